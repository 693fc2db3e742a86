import BERT
import Foundation
import Testing
import TestSupport

/// Every string of golden/tokenizer/corpus.jsonl tokenizes to exactly the ids HuggingFace's fast BertTokenizer
/// gives (golden/tokenizer/make_corpus.py), in every configuration and from either kind of tokenizer file.
@Suite("Tokenizer corpus parity with HF")
struct TokenizerCorpusTests {
  @Test("the corpus has every kind of input the issue asks for")
  func corpusShape() {
    let corpus = TokenizerGolden.corpus
    #expect(corpus.count >= 2000)
    #expect(corpus.filter { $0.b != nil }.count >= 300)
    #expect(corpus.contains { $0.a.isEmpty } && corpus.contains { !$0.a.isEmpty && $0.a.allSatisfy(\.isWhitespace) })
    #expect(corpus.contains { $0.maxLength != nil })
    for n in [99, 100, 101] { #expect(corpus.contains { $0.a == String(repeating: "a", count: n) }) }
    #expect(TokenizerGolden.expected("uncased").contains { $0.expected.ids.count == 512 })
  }

  @Test("uncased MiniLM from tokenizer.json")
  func uncasedTokenizerJSON() throws {
    let tokenizer = try WordPieceTokenizer(directory: TokenizerGolden.minilm)
    #expect(tokenizer.source.hasSuffix("tokenizer.json"))
    TokenizerGolden.check(tokenizer, against: TokenizerGolden.expected("uncased"))
  }

  @Test("uncased MiniLM from vocab.txt + tokenizer_config.json gives the same ids")
  func uncasedVocabulary() throws {
    let dir = try TokenizerGolden.directory(tokenizerJSON: nil)
    let tokenizer = try WordPieceTokenizer(directory: dir.path)
    #expect(tokenizer.source.hasSuffix("vocab.txt"))
    TokenizerGolden.check(tokenizer, against: TokenizerGolden.expected("uncased"))
  }

  @Test("cased (lowercase and strip_accents off) from tokenizer.json")
  func casedTokenizerJSON() throws {
    let tokenizer = try WordPieceTokenizer(directory: TokenizerGolden.directory + "/cased")
    TokenizerGolden.check(tokenizer, against: TokenizerGolden.expected("cased"))
  }

  @Test("cased from vocab.txt + tokenizer_config.json")
  func casedVocabulary() throws {
    let dir = try TokenizerGolden.directory(tokenizerJSON: nil, configChanges: ["do_lower_case": false, "strip_accents": false])
    TokenizerGolden.check(try WordPieceTokenizer(directory: dir.path), against: TokenizerGolden.expected("cased"))
  }

  @Test("lowercase but keep accents (strip_accents false): tokenizer_config.json wins over tokenizer.json")
  func lowercaseKeepAccents() throws {
    let dir = try TokenizerGolden.directory(tokenizerJSON: .minilm, configChanges: ["strip_accents": false])
    TokenizerGolden.check(try WordPieceTokenizer(directory: dir.path), against: TokenizerGolden.expected("lowercase-keep-accents"))
  }

  @Test("extra added tokens: normalized, lstrip/rstrip, single_word")
  func addedTokens() throws {
    let dir = try TokenizerGolden.directory(tokenizerJSON: .minilmWithAddedTokens)
    let rows = TokenizerGolden.expected("added")
    #expect(rows.count >= 20)
    TokenizerGolden.check(try WordPieceTokenizer(directory: dir.path), against: rows)
  }

  @Test("a cased tokenizer.json without tokenizer_config.json is lowercased, as BertTokenizerFast does")
  func casedJSONWithoutConfig() throws {
    let dir = try TokenizerGolden.directory(tokenizerJSON: .cased, withConfig: false)
    try FileManager.default.removeItem(atPath: dir.file("vocab.txt"))
    let tokenizer = try WordPieceTokenizer(directory: dir.path)
    // transformers does not truncate here (no model_max_length); the first records are all short.
    let rows = TokenizerGolden.expected("uncased").prefix(200).filter { $0.expected.ids.count < 128 }
    TokenizerGolden.check(tokenizer, against: Array(rows))
  }
}
