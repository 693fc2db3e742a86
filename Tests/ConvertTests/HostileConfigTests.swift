import Foundation
import Models
import Support
import Testing
import TestSupport
@testable import Convert

/// Hostile `config.json` values (issue 17): each ends in one short error line, fast, or is read as transformers
/// reads it.
@Suite("Hostile configs")
struct HostileConfigTests {
  let dir = TemporaryDirectory()

  /// The seqcls fixture's config with `edits` (raw JSON values) in place of its own keys.
  func config(_ edits: [String: String]) throws -> ModelConfig {
    let data = Data(FileManagerShim.read(Fixtures.path("models/seqcls/safetensors/config.json")) ?? [])
    var json = try JSONSerialization.jsonObject(with: data) as! [String: Any]
    for key in edits.keys { json[key] = nil }
    var rest = String(decoding: try JSONSerialization.data(withJSONObject: json, options: [.sortedKeys]), as: UTF8.self)
    rest.removeFirst()
    let text = "{" + edits.sorted(by: { $0.key < $1.key }).map { "\"\($0.key)\": \($0.value), " }.joined() + rest
    return try ModelConfig(json: JSONValue.parse(text), path: "config.json")
  }

  func conversionError(_ edits: [String: String]) throws -> (error: String, seconds: Double) {
    let model = try copyFixture("models/seqcls/safetensors", into: dir)
    for (key, value) in edits { try editConfig(model, key, value) }
    let start = ContinuousClock.now
    let error = convertError(model, dir.file("out"))
    let elapsed = ContinuousClock.now - start
    return (error.map { "\($0)" } ?? "no error", Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
  }

  @Test("relative_key with a huge max_position_embeddings is a config error, not an overflow trap")
  func hugeRelativePositions() throws {
    let (error, _) = try conversionError(["position_embedding_type": "\"relative_key\"", "max_position_embeddings": "4611686018427387904"])
    #expect(error.contains("max_position_embeddings") && error.contains("over the limit"), "\(error)")
  }

  @Test("num_hidden_layers 1000000 is refused at once with a short line, before any per-layer work")
  func millionLayers() throws {
    let (error, seconds) = try conversionError(["num_hidden_layers": "1000000"])
    #expect(error.contains("num_hidden_layers 1000000"), "\(error)")
    #expect(error.count < 400 && !error.contains("\n"), "\(error.count) characters")
    #expect(seconds < 2, "took \(seconds) s")
  }

  @Test("a vocabulary or position table larger than the weights can hold is refused before planning", arguments: [
    ("vocab_size", "1073741824"), ("max_position_embeddings", "2000000000"), ("intermediate_size", "100000000"),
  ])
  func sizesAgainstWeights(key: String, value: String) throws {
    let (error, seconds) = try conversionError([key: value])
    #expect(error.contains("\(key) \(value)") && error.contains("needs more values"), "\(error)")
    #expect(seconds < 2, "took \(seconds) s")
  }

  @Test("hidden_act or position_embedding_type null is an error naming it, not the default", arguments: ["hidden_act", "position_embedding_type"])
  func nullString(key: String) throws {
    #expect { try config([key: "null"]) } throws: { "\($0)".contains("'\(key)' is null") }
    #expect { try config([key: "3"]) } throws: { "\($0)".contains("'\(key)' is not a string") }
    #expect(try config([:]).hiddenAct == "gelu")
  }

  @Test("id2label keys are read with Python's int(), as transformers does: \"0\", \"00\", \"000\" are one label, the last")
  func id2labelKeys() throws {
    let c = try config(["id2label": #"{"0": "a", "00": "b", "000": "c"}"#, "num_labels": "1"])
    #expect(c.labels == ["c"] && c.numLabels == 1)
    #expect(throws: ModelError.self, "ids 1, 0, 10 are not 0…2") {
      try config(["id2label": #"{" 1": "one", "+0": "zero", "1_0": "ten"}"#, "num_labels": "3"])
    }
  }

  @Test("id2label with keys int() refuses, or ids that are not 0…n−1, is a config error")
  func id2labelRefused() throws {
    #expect(throws: ModelError.self) { try config(["id2label": #"{"0": "a", "x": "b"}"#, "num_labels": "2"]) }
    #expect(throws: ModelError.self) { try config(["id2label": #"{"0": "a", "2": "b"}"#, "num_labels": "2"]) }
    #expect(throws: ModelError.self) { try config(["id2label": #"{"0": "a", "1__0": "b"}"#, "num_labels": "2"]) }
    let c = try config(["id2label": #"{" 1 ": "one", "+0": "zero"}"#, "num_labels": "2"])
    #expect(c.labels == ["zero", "one"])
  }
}
