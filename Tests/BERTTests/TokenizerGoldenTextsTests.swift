import BERT
import Foundation
import SafeTensors
import Testing
import TestSupport

/// The model goldens carry the `texts` their ids were tokenized from (CONTRACT.md §2): re-tokenizing them with
/// the model directory's tokenizer gives the golden's `input_ids`, `token_type_ids` and `attention_mask` — what
/// `bert-verify --golden` checks.
@Suite("Tokenizer against the model goldens' texts")
struct TokenizerGoldenTextsTests {
  /// (golden, directory holding the tokenizer files).
  static let goldens = [
    ("models/minilm/golden.safetensors", "models/minilm"),
    ("models/seqcls/golden.safetensors", "models/seqcls/safetensors"),
    ("models/base/golden.safetensors", "models/base/safetensors"),
    ("models/pretraining/golden.safetensors", "models/pretraining/safetensors"),
  ]

  @Test("encodeBatch reproduces each golden's ids", arguments: goldens)
  func goldenTexts(_ golden: String, _ directory: String) throws {
    let file = try SafeTensorsFile(path: Fixtures.path(golden))
    let texts = try #require(file.metadata["texts"], "golden \(golden) has no texts")
    let items = try #require(JSONSerialization.jsonObject(with: Data(texts.utf8)) as? [Any])
    let firsts = items.map { ($0 as? String) ?? (($0 as! [String])[0]) }
    let seconds = items.map { ($0 as? [String])?[1] }
    let tokenizer = try WordPieceTokenizer(directory: Fixtures.path(directory))
    let batch = tokenizer.encodeBatch(Array(zip(firsts, seconds)).map { (text: $0, pair: $1) })
    #expect(try ints(file, "input_ids") == batch.inputIds.flatMap { $0 })
    #expect(try ints(file, "token_type_ids") == batch.tokenTypeIds.flatMap { $0 })
    #expect(try ints(file, "attention_mask") == batch.attentionMask.flatMap { $0 })
    #expect(try file.tensor(named: "input_ids").shape == [firsts.count, batch.sequenceLength])
  }

  private func ints(_ file: SafeTensorsFile, _ name: String) throws -> [Int] {
    let view = try file.tensor(named: name)
    #expect(view.dtype == .i64)
    return view.withUnsafeBytes { raw in
      (0..<raw.count / 8).map { Int(Int64(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 8, as: Int64.self))) }
    }
  }
}
