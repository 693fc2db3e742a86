import BERT
import Foundation
import Testing
import TestSupport

/// Padding, truncation defaults and the errors of ``WordPieceTokenizer`` (the ids themselves are
/// TokenizerCorpusTests').
@Suite("WordPiece tokenizer")
struct TokenizerTests {
  struct Batch: Sendable, CustomStringConvertible {
    var side: String
    var texts: [String]
    var pairs: [String]?
    var maxLength: Int?
    var inputIds: [[Int]]
    var tokenTypeIds: [[Int]]
    var attentionMask: [[Int]]
    var description: String { "\(side): \(texts.map { String($0.prefix(20)) })" }
  }

  /// golden/tokenizer/batches.json: transformers' `tokenizer(texts, pairs, padding=True, truncation=True)`.
  static let batches: [Batch] = {
    let data = FileManager.default.contents(atPath: TokenizerGolden.directory + "/batches.json")!
    let list = try! JSONSerialization.jsonObject(with: data) as! [[String: Any]]
    return list.map {
      Batch(side: $0["side"] as! String, texts: $0["texts"] as! [String], pairs: $0["pairs"] as? [String],
            maxLength: $0["max_length"] as? Int, inputIds: $0["input_ids"] as! [[Int]],
            tokenTypeIds: $0["token_type_ids"] as! [[Int]], attentionMask: $0["attention_mask"] as! [[Int]])
    }
  }()

  @Test("encodeBatch pads like transformers' padding=True (right, and left with truncation_side left)", arguments: ["right", "left"])
  func batchPadding(side: String) throws {
    let dir = try TokenizerGolden.directory(
      tokenizerJSON: .minilm, configChanges: side == "left" ? ["padding_side": "left", "truncation_side": "left"] : [:])
    let tokenizer = try WordPieceTokenizer(directory: dir.path)
    #expect(tokenizer.paddingSide.rawValue == side)
    let batches = Self.batches.filter { $0.side == side }
    #expect(batches.count >= 6)
    for batch in batches {
      let encoded = tokenizer.encodeBatch(batch.texts, pairs: batch.pairs, maxLength: batch.maxLength)
      #expect(encoded.inputIds == batch.inputIds, "\(batch)")
      #expect(encoded.tokenTypeIds == batch.tokenTypeIds, "\(batch)")
      #expect(encoded.attentionMask == batch.attentionMask, "\(batch)")
      #expect(encoded.sequenceLength == batch.inputIds[0].count)
    }
  }

  @Test("MiniLM's defaults: truncation to model_max_length 512, [PAD] = 0, special tokens by name")
  func minilmDefaults() throws {
    var tokenizer = try WordPieceTokenizer(directory: TokenizerGolden.minilm)
    #expect(tokenizer.modelMaxLength == 512)
    #expect(tokenizer.padTokenID == 0)
    #expect(tokenizer.id(of: "[CLS]") == 101 && tokenizer.id(of: "[SEP]") == 102 && tokenizer.id(of: "[MASK]") == 103)
    #expect(tokenizer.id(of: "hello") == 7592 && tokenizer.id(of: "no such token") == nil)
    let long = String(repeating: "word ", count: 600)
    #expect(tokenizer.encode(long).ids.count == 512)
    #expect(tokenizer.encode(long, maxLength: 20).ids.count == 20)
    #expect(tokenizer.encode(long, maxLength: .max).ids.count == 602)
    tokenizer.modelMaxLength = nil
    #expect(tokenizer.encode(long).ids.count == 602)
    // A pair: the longer text loses tokens first; both end with [SEP].
    let pair = tokenizer.encode("one two three four five six", pair: "seven", maxLength: 8)
    #expect(pair.ids == [101, 2028, 2048, 2093, 2176, 102, 2698, 102])
    #expect(pair.typeIds == [0, 0, 0, 0, 0, 0, 1, 1])
    #expect(tokenizer.encode("Hello!", addSpecialTokens: false).ids == [7592, 999])
    #expect(tokenizer.encode("Hello!", pair: "", addSpecialTokens: true).ids == [101, 7592, 999, 102])
  }

  @Test("a directory without tokenizer files names the directory")
  func missing() throws {
    let dir = TemporaryDirectory()
    let error = #expect(throws: TokenizerError.self) { try WordPieceTokenizer(directory: dir.path) }
    #expect(error?.code == .missing)
    #expect(error?.file == dir.path)
  }

  @Test("a malformed tokenizer.json names the file", arguments: [
    ("{", TokenizerError.Code.malformed),
    ("[1, 2]", .malformed),
    (#"{"normalizer": {"type": "Lowercase"}, "pre_tokenizer": {"type": "BertPreTokenizer"}}"#, .unsupported),
    (#"{"normalizer": {"type": "BertNormalizer"}, "pre_tokenizer": {"type": "Whitespace"}}"#, .unsupported),
    (#"{"normalizer": {"type": "BertNormalizer"}, "pre_tokenizer": {"type": "BertPreTokenizer"}, "model": {"type": "WordLevel", "vocab": {}}}"#, .unsupported),
    (#"{"normalizer": {"type": "BertNormalizer"}, "pre_tokenizer": {"type": "BertPreTokenizer"}, "model": {"type": "WordPiece", "unk_token": "[UNK]", "vocab": {"a": 0}}}"#, .malformed),
    (#"{"normalizer": {"type": "BertNormalizer"}, "pre_tokenizer": {"type": "BertPreTokenizer"}, "model": {"type": "WordPiece", "unk_token": "[UNK]", "vocab": {"[UNK]": "zero"}}}"#, .malformed),
  ])
  func malformedJSON(_ text: String, _ code: TokenizerError.Code) throws {
    let dir = TemporaryDirectory()
    try Data(text.utf8).write(to: URL(fileURLWithPath: dir.file("tokenizer.json")))
    let error = #expect(throws: TokenizerError.self) { try WordPieceTokenizer(directory: dir.path) }
    #expect(error?.code == code)
    #expect(error?.file == dir.file("tokenizer.json"))
    #expect(error?.description.hasPrefix(dir.file("tokenizer.json") + ": ") == true)
  }

  @Test("a vocab.txt without the unknown token, or a bad tokenizer_config.json, names the file")
  func badVocabulary() throws {
    let dir = TemporaryDirectory()
    try Data("hello\nworld\n".utf8).write(to: URL(fileURLWithPath: dir.file("vocab.txt")))
    var error = #expect(throws: TokenizerError.self) { try WordPieceTokenizer(directory: dir.path) }
    #expect(error?.file == dir.file("vocab.txt"))
    try Data(#"{"do_lower_case": "yes"}"#.utf8).write(to: URL(fileURLWithPath: dir.file("tokenizer_config.json")))
    error = #expect(throws: TokenizerError.self) { try WordPieceTokenizer(directory: dir.path) }
    #expect(error?.code == .malformed && error?.file == dir.file("tokenizer_config.json"))
  }

  @Test("vocab.txt lines end at \\n, \\r\\n or \\r, like Python's text mode; later duplicates win")
  func vocabularyLines() throws {
    let dir = TemporaryDirectory()
    try Data("[PAD]\r\n[UNK]\r[CLS]\n[SEP]\nhello\nworld\nhello".utf8).write(to: URL(fileURLWithPath: dir.file("vocab.txt")))
    let tokenizer = try WordPieceTokenizer(directory: dir.path)
    #expect(tokenizer.encode("hello world hi").ids == [2, 6, 5, 1, 3])
    #expect(tokenizer.padTokenID == 0)
  }
}
