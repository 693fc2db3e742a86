import BERT
import Foundation
import Testing
import TestSupport

/// The tokenizers of BERT's relatives (golden/tokenizer/KIND/, made by make_families.py with vocabularies
/// trained there): every chosen corpus record, single texts and pairs, gives HF's ids and offsets.
@Suite("Tokenizer families parity with HF")
struct TokenizerFamilyTests {
  @Test("MPNet's WordPiece: <s> </s> specials, its pair template, <mask> with lstrip")
  func mpnet() throws {
    let tokenizer = try Tokenizer(directory: TokenizerGolden.directory + "/mpnet")
    TokenizerGolden.checkFamily(tokenizer, "mpnet")
  }

  @Test("RoBERTa's byte-level BPE: ByteLevel, merges, RobertaProcessing with trim_offsets")
  func roberta() throws {
    let tokenizer = try Tokenizer(directory: TokenizerGolden.directory + "/roberta")
    TokenizerGolden.checkFamily(tokenizer, "roberta")
  }

  @Test("XLM-R's Unigram: Precompiled charsmap, Strip, Replace, Metaspace, Viterbi")
  func xlmr() throws {
    let tokenizer = try Tokenizer(directory: TokenizerGolden.directory + "/xlmr")
    TokenizerGolden.checkFamily(tokenizer, "xlmr")
  }
}
