import BERT
import Foundation
import SafeTensors
import Testing
import TestSupport

/// Goldens that used to give a false PASS (issue 17), through the built `bert-verify`: each is exit 2 with one
/// line naming the problem — or, for texts, a mismatch line that shows them escaped.
@Suite("Hostile goldens")
struct HostileGoldenTests {
  let dir = TemporaryDirectory()
  static let model = Fixtures.path("models/seqcls/safetensors")
  static let golden = Fixtures.path("models/seqcls/golden.safetensors")

  /// The seqcls golden rewritten: `keep` selects tensors, `rename` renames them, `edit` may change a tensor's
  /// f32/i64 bytes in place, `metadata` replaces entries.
  func golden(keep: (String) -> Bool = { _ in true }, rename: [String: String] = [:], edit: (String, inout [UInt8]) -> Void = { _, _ in },
              metadata: [String: String] = [:]) throws -> String {
    let file = try SafeTensorsFile(path: Self.golden)
    let tensors = file.tensors.filter { keep($0.name) }
    let path = dir.file("golden.safetensors")
    let writer = try SafeTensorsWriter(path: path, tensors: tensors.map { TensorHeader(name: rename[$0.name] ?? $0.name, dtype: $0.dtype, shape: $0.shape) },
                                       metadata: file.metadata.merging(metadata) { $1 })
    for tensor in tensors {
      var bytes = tensor.withUnsafeBytes { Array($0) }
      edit(tensor.name, &bytes)
      try bytes.withUnsafeBytes { try writer.write($0) }
    }
    try writer.finish()
    return path
  }

  func verify(_ golden: String) throws -> RunResult {
    try run(Binaries.path("bert-verify"), [Self.model, "--golden", golden])
  }

  func expectBadGolden(_ result: RunResult, _ words: [String]) {
    #expect(result.status == 2, "exit \(result.status): \(result.stdout) \(result.stderr)")
    #expect(result.stderr.split(separator: "\n").count == 1, "\(result.stderr)")
    for word in words { #expect(result.stderr.contains(word), "\(result.stderr) does not say \(word)") }
  }

  @Test("the unchanged golden passes (the control for the cases below)")
  func control() throws {
    let result = try verify(try golden())
    #expect(result.status == 0, "\(result.stdout) \(result.stderr)")
  }

  @Test("a golden output holding +inf, −inf or NaN is exit 2 naming it", arguments: [Float.infinity, -Float.infinity, Float.nan])
  func nonFinite(value: Float) throws {
    let path = try golden(edit: { name, bytes in
      guard name == "logits" else { return }
      withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes.replaceSubrange(4..<8, with: $0) }
    })
    expectBadGolden(try verify(path), ["'logits'", "at element 1", "finite"])
  }

  @Test("a golden with no outputs is exit 2")
  func noOutputs() throws {
    let path = try golden(keep: { ["input_ids", "attention_mask", "token_type_ids"].contains($0) })
    expectBadGolden(try verify(path), ["no outputs"])
  }

  @Test("a golden whose outputs the model does not produce compares nothing: exit 2")
  func nothingCompared() throws {
    // Only start_logits, which a sequence classifier does not produce.
    let renamed = try golden(keep: { ["input_ids", "attention_mask", "token_type_ids", "logits"].contains($0) },
                             rename: ["logits": "start_logits"])
    expectBadGolden(try verify(renamed), ["nothing was compared", "start_logits"])
  }

  @Test("an all-zero attention_mask row is exit 2 naming the row")
  func emptyMaskRow() throws {
    let file = try SafeTensorsFile(path: Self.golden)
    let sequence = try #require(file["attention_mask"]).shape[1]
    let path = try golden(edit: { name, bytes in
      if name == "attention_mask" { bytes.replaceSubrange((8 * sequence)..<(16 * sequence), with: repeatElement(0, count: 8 * sequence)) }
    })
    expectBadGolden(try verify(path), ["attention_mask row 1 is all zeros"])
  }

  @Test("golden texts with line breaks and escape sequences are printed escaped in 'tokenizer mismatch'")
  func escapedTexts() throws {
    let texts = #"["evil\nline \u001b[31mred", "two", "three"]"#
    let result = try verify(try golden(metadata: ["texts": texts]))
    #expect(result.status == 1, "exit \(result.status): \(result.stderr)")
    let lines = result.stderr.split(separator: "\n")
    #expect(lines.count == 1 && lines[0].hasPrefix("tokenizer mismatch"), "\(result.stderr)")
    #expect(!result.stderr.contains("\u{1B}") && result.stderr.contains(#"evil\nline \u001b[31mred"#), "\(result.stderr)")
  }
}

/// A 32,000-token input (issue 17) is refused before any S×S buffer is allocated.
@Suite("Long inputs")
struct LongInputTests {
  @Test("32,000 tokens: past max_position_embeddings for absolute positions, past Workspace.maxSequence for any model")
  func longInput() throws {
    let model = try BertModel.load(Fixtures.path("models/seqcls/safetensors"))
    let start = ContinuousClock.now
    let input = try EncoderInput(batch: 1, sequence: 32_000, inputIDs: Array(repeating: 2, count: 32_000))
    #expect { _ = try model.forward(input) } throws: { "\($0)".contains("exceeds max_position_embeddings 64") }
    #expect { _ = try model.makeWorkspace(batch: 1, sequence: 32_000) } throws: {
      "\($0)".contains("sequence length 32000 is over the limit of \(Workspace.maxSequence) tokens")
    }
    #expect(throws: BERTError.self) { _ = try model.makeWorkspace(batch: 1, sequence: Workspace.maxSequence + 1) }
    #expect((try? model.makeWorkspace(batch: 1, sequence: 512)) != nil)
    #expect(ContinuousClock.now - start < .seconds(5))
  }
}
