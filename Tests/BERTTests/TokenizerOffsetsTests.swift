import BERT
import Foundation
import Testing
import TestSupport

/// Every corpus record's token offsets equal HF's `offset_mapping` (golden/tokenizer/offsets-*.jsonl, made by
/// golden/tokenizer/make_offsets.py), in every WordPiece configuration.
@Suite("Tokenizer offsets parity with HF")
struct TokenizerOffsetsTests {
  @Test("uncased MiniLM (lowercase, NFD accent stripping, CJK spacing, control characters)")
  func uncased() throws {
    let tokenizer = try WordPieceTokenizer(directory: TokenizerGolden.minilm)
    TokenizerGolden.checkOffsets(tokenizer, against: TokenizerGolden.expected("uncased"), offsets: TokenizerGolden.offsets("uncased"))
  }

  @Test("cased (no lowercase, no accent stripping)")
  func cased() throws {
    let tokenizer = try WordPieceTokenizer(directory: TokenizerGolden.directory + "/cased")
    TokenizerGolden.checkOffsets(tokenizer, against: TokenizerGolden.expected("cased"), offsets: TokenizerGolden.offsets("cased"))
  }

  @Test("lowercase, keep accents")
  func lowercaseKeepAccents() throws {
    let dir = try TokenizerGolden.directory(tokenizerJSON: .minilm, configChanges: ["strip_accents": false])
    TokenizerGolden.checkOffsets(try WordPieceTokenizer(directory: dir.path), against: TokenizerGolden.expected("lowercase-keep-accents"),
                                 offsets: TokenizerGolden.offsets("lowercase-keep-accents"))
  }

  @Test("extra added tokens: raw and normalized matches, lstrip/rstrip spans")
  func addedTokens() throws {
    let dir = try TokenizerGolden.directory(tokenizerJSON: .minilmWithAddedTokens)
    TokenizerGolden.checkOffsets(try WordPieceTokenizer(directory: dir.path), against: TokenizerGolden.expected("added"),
                                 offsets: TokenizerGolden.offsets("added"))
  }

  @Test("the offsets file decodes as written: (0,0) specials around spans of the text")
  func decoding() {
    #expect(TokenizerGolden.decodeOffsets([0, 0, 0, 5, 1, 5, -11, 0]) == [.none, TokenSpan(start: 0, end: 5), TokenSpan(start: 6, end: 11), .none])
    let offsets = TokenizerGolden.offsets("uncased")
    #expect(offsets.count == TokenizerGolden.corpus.count)
    #expect(offsets.contains { $0.count == 512 })
  }

  @Test("tokens, special-token mask and sequence ids of a pair")
  func encodingFields() throws {
    let tokenizer = try WordPieceTokenizer(directory: TokenizerGolden.minilm)
    let e = tokenizer.encode("Héllo, 中文!", pair: "ok")
    #expect(e.tokens == ["[CLS]", "hello", ",", "中", "文", "!", "[SEP]", "ok", "[SEP]"])
    #expect(e.offsets == [.none, .init(start: 0, end: 5), .init(start: 5, end: 6), .init(start: 7, end: 8), .init(start: 8, end: 9),
                          .init(start: 9, end: 10), .none, .init(start: 0, end: 2), .none])
    #expect(e.specialTokensMask == [1, 0, 0, 0, 0, 0, 1, 0, 1])
    #expect(e.sequenceIds == [nil, 0, 0, 0, 0, 0, nil, 1, nil])
    let plain = tokenizer.encode("Héllo", addSpecialTokens: false)
    #expect(plain.offsets == [.init(start: 0, end: 5)] && plain.sequenceIds == [0] && plain.specialTokensMask == [0])
  }

  @Test("a padded batch carries offsets with (0,0) padding")
  func batchOffsets() throws {
    let tokenizer = try WordPieceTokenizer(directory: TokenizerGolden.minilm)
    let batch = tokenizer.encodeBatch(["a b c", "x"])
    #expect(batch.offsets[1] == [.none, .init(start: 0, end: 1), .none, .none, .none])
    #expect(batch.specialTokensMask[1] == [1, 0, 1, 1, 1])
    #expect(batch.encodings.map(\.offsets) == [tokenizer.encode("a b c").offsets, tokenizer.encode("x").offsets])
  }
}
