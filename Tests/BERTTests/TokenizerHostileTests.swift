@testable import BERT
import Foundation
import Testing
import TestSupport

/// tokenizer.json comes from untrusted directories: every malformed part is a one-line ``TokenizerError`` that
/// names the file, and nothing a file holds makes loading or encoding trap.
@Suite("Tokenizer hostile tokenizer.json")
struct TokenizerHostileTests {
  static let bpeVocab = #"{"<s>": 0, "</s>": 1, "a": 2, "b": 3, "ab": 4}"#

  static func bpe(vocab: String = bpeVocab, merges: String = #"[["a", "b"]]"#, extra: String = "") -> String {
    #"{"pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": false}, "model": {"type": "BPE", "vocab": \#(vocab), "merges": \#(merges)\#(extra)}}"#
  }

  static func unigram(vocab: String = #"[["<unk>", 0.0], ["a", -1.0], ["b", -2.0]]"#, unk: String = "0", normalizer: String = "null") -> String {
    #"{"normalizer": \#(normalizer), "pre_tokenizer": {"type": "Metaspace", "replacement": "▁", "prepend_scheme": "always"}, "model": {"type": "Unigram", "unk_id": \#(unk), "vocab": \#(vocab)}}"#
  }

  static func nested(_ depth: Int) -> String {
    var normalizer = #"{"type": "Lowercase"}"#
    for _ in 0..<depth { normalizer = #"{"type": "Sequence", "normalizers": [\#(normalizer)]}"# }
    return unigram(normalizer: normalizer)
  }

  static let cases: [(String, String, TokenizerError.Code)] = [
    ("merge of a token not in the vocabulary", bpe(merges: #"[["a", "c"]]"#), .malformed),
    ("merge whose result is not in the vocabulary", bpe(vocab: #"{"a": 0, "b": 1}"#), .malformed),
    ("legacy merge line with three parts", bpe(merges: #"["a b c"]"#), .malformed),
    ("merge that is a number", bpe(merges: "[7]"), .malformed),
    ("merges missing", #"{"model": {"type": "BPE", "vocab": {"a": 0}}}"#, .malformed),
    ("vocabulary id past Int32", bpe(vocab: #"{"a": 0, "b": 1, "ab": 99999999999}"#), .malformed),
    ("negative vocabulary id", bpe(vocab: #"{"a": -1, "b": 1, "ab": 2}"#), .malformed),
    ("BPE unk_token not in the vocabulary", bpe(extra: #", "unk_token": "<unk>""#), .malformed),
    ("BPE dropout", bpe(extra: #", "dropout": 0.1"#), .unsupported),
    ("Unigram entry that is not [piece, score]", unigram(vocab: #"[["a"]]"#), .malformed),
    ("Unigram score that is a string", unigram(vocab: #"[["a", "x"]]"#), .malformed),
    ("Unigram unk_id out of range", unigram(unk: "5"), .malformed),
    ("Unigram without unk_id", unigram(unk: "null"), .unsupported),
    ("charsmap that is not base64", unigram(normalizer: #"{"type": "Precompiled", "precompiled_charsmap": "%%%"}"#), .malformed),
    ("charsmap of two bytes", unigram(normalizer: #"{"type": "Precompiled", "precompiled_charsmap": "AAA="}"#), .malformed),
    ("charsmap whose trie is longer than the data", unigram(normalizer: #"{"type": "Precompiled", "precompiled_charsmap": "AAEAAAAAAAA="}"#), .malformed),
    ("Sequence nested 40 deep", nested(40), .malformed),
    ("invalid regex", unigram(normalizer: #"{"type": "Replace", "pattern": {"Regex": "(("}, "content": "x"}"#), .malformed),
    ("Replace pattern of neither kind", unigram(normalizer: #"{"type": "Replace", "pattern": {"Other": 1}, "content": "x"}"#), .malformed),
    ("Metaspace replacement of two characters",
     #"{"pre_tokenizer": {"type": "Metaspace", "replacement": "ab"}, "model": {"type": "Unigram", "unk_id": 0, "vocab": [["a", 0.0]]}}"#, .malformed),
    ("unknown normalizer", unigram(normalizer: #"{"type": "Shout"}"#), .unsupported),
    ("unknown model", #"{"model": {"type": "WordLevel", "vocab": {}}}"#, .unsupported),
    ("RobertaProcessing without ids", bpe().dropLast() + #", "post_processor": {"type": "RobertaProcessing", "sep": ["</s>"], "cls": ["<s>", 0]}}"#, .malformed),
  ]

  @Test("each malformed part is one line naming tokenizer.json", arguments: cases.indices)
  func malformed(_ index: Int) throws {
    let (label, text, code) = Self.cases[index]
    let dir = TemporaryDirectory()
    try Data(text.utf8).write(to: URL(fileURLWithPath: dir.file("tokenizer.json")))
    let error = #expect(throws: TokenizerError.self, Comment(rawValue: label)) { try Tokenizer(directory: dir.path) }
    #expect(error?.code == code, Comment(rawValue: label))
    #expect(error?.file == dir.file("tokenizer.json"), Comment(rawValue: label))
    #expect(error?.description.hasPrefix(dir.file("tokenizer.json") + ": ") == true, Comment(rawValue: label))
    #expect(error?.description.contains("\n") == false, Comment(rawValue: label))
  }

  @Test("a charsmap of random units and blob never traps: lookups that leave the arrays find nothing")
  func randomCharsmap() throws {
    var rng = SplitMix64(seed: 15)
    for round in 0..<20 {
      let units = 64 + round * 16
      var bytes = withUnsafeBytes(of: UInt32(units * 4).littleEndian, Array.init)
      for _ in 0..<(units * 4 + 200) { bytes.append(UInt8(truncatingIfNeeded: rng.next())) }
      let normalizer = #"{"type": "Precompiled", "precompiled_charsmap": "\#(Data(bytes).base64EncodedString())"}"#
      let dir = TemporaryDirectory()
      try Data(Self.unigram(normalizer: normalizer).utf8).write(to: URL(fileURLWithPath: dir.file("tokenizer.json")))
      let tokenizer = try Tokenizer(directory: dir.path)
      for text in ["abc", "é\u{301}x", "日本語 テキスト", "\u{0}\u{1}\u{7F}", String(repeating: "ab ", count: 50), "👩‍👩‍👧"] {
        let e = tokenizer.encode(text)
        #expect(e.ids.count == e.offsets.count)
        #expect(e.offsets.allSatisfy { $0.start >= 0 && $0.start <= $0.end && $0.end <= text.unicodeScalars.count })
      }
    }
  }

  @Test("a 20,000-character word and 10,000 runs of spaces encode without quadratic blow-ups")
  func longInputs() throws {
    let roberta = try Tokenizer(directory: TokenizerGolden.directory + "/roberta")
    let xlmr = try Tokenizer(directory: TokenizerGolden.directory + "/xlmr")
    let word = String(repeating: "ab", count: 10_000)
    let spaces = String(repeating: "a  ", count: 10_000)
    let clock = ContinuousClock()
    let start = clock.now
    for tokenizer in [roberta, xlmr] {
      for text in [word, spaces] {
        let e = tokenizer.encode(text, maxLength: Int.max)
        let length = text.unicodeScalars.count
        #expect(e.ids.count > 2)
        #expect(e.offsets.dropFirst().dropLast().allSatisfy { $0.end <= length })
      }
    }
    #expect(clock.now - start < .seconds(20))
  }
}
