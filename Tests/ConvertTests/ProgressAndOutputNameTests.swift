import Foundation
import Models
import SafeTensors
import Support
import Testing
import TestSupport
@testable import Convert

/// What a conversion reports while it writes, which output names it refuses, and how config.json is written.
@Suite("conversion progress, output names, config.json")
struct ProgressAndOutputNameTests {
  let source = Fixtures.path("models/seqcls/safetensors")

  @Test("progress counts tensors and bytes up to the data section's size, once per tensor, single file and shards alike")
  func progressBytes() throws {
    let dir = TemporaryDirectory()
    for (output, shardSize) in [(dir.file("m.safetensors"), nil), (dir.file("sharded"), 30_000)] as [(String, Int?)] {
      var steps: [ConversionStep] = []
      try Conversion.run(source: source, output: output, shardSize: shardSize, progress: { steps.append($0) })
      let file = try SafeTensorsFile(path: shardSize == nil ? output : output + "/model-00001-of-00003.safetensors")
      #expect(steps.count == 41)
      #expect(steps.map(\.tensorsDone) == Array(1...41))
      #expect(steps.allSatisfy { $0.tensorCount == 41 && $0.byteCount == steps[0].byteCount })
      #expect(zip(steps, steps.dropFirst()).allSatisfy { $0.bytesDone < $1.bytesDone })
      // All 21,005 parameters as F32.
      #expect(steps.last?.bytesDone == 21_005 * 4)
      #expect(steps.last?.byteCount == 21_005 * 4)
      #expect(steps.last?.tensor == "classifier.bias")
      #expect(file.tensors.first?.name == steps.first?.tensor)
    }
  }

  @Test("an output named like another tool's model file (.bin, .h5, .pt, …) is refused with a hint, nothing written")
  func foreignExtensions() throws {
    let dir = TemporaryDirectory()
    for ext in ["bin", "h5", "pt", "pth", "ckpt", "onnx", "gguf", "BIN"] {
      let output = dir.file("model." + ext)
      #expect {
        try Conversion.run(source: source, output: output)
      } throws: { error in
        let e = error as? ConvertError
        return e?.code == .output && e?.file == output && "\(error)".contains("-o model.safetensors")
          && "\(error)".contains("-o model ")
      }
      #expect(!FileManagerShim.exists(output))
    }
    // Names that merely contain a dot are still directories.
    try Conversion.run(source: source, output: dir.file("bert.v2"))
    #expect(FileManagerShim.exists(dir.file("bert.v2/model.safetensors")))
  }

  @Test("config.json is written as transformers writes it: json.dumps(indent=2, sort_keys=True) and a newline")
  func indentedConfig() throws {
    let dir = TemporaryDirectory()
    try Conversion.run(source: source, output: dir.file("out"))
    let text = String(decoding: FileManagerShim.read(dir.file("out/config.json")) ?? [], as: UTF8.self)
    #expect(text.hasPrefix("{\n  \"architectures\": [\n    \"BertForSequenceClassification\"\n  ],\n"))
    #expect(text.hasSuffix("\n}\n"))
    // The source's members without bookkeeping keys (transformers reads them), not the canonical config in the
    // file's metadata, which keeps only what changes the computation (docs/FORMAT.md).
    let config = try ModelConfig(path: source + "/config.json")
    #expect(try JSONValue.parse(text) == JSONValue.parse(config.transformersJSON))
    let file = try SafeTensorsFile(path: dir.file("out/model.safetensors"))
    #expect(try JSONValue.parse(file.metadata["config"] ?? "") == JSONValue.parse(config.canonicalJSON))
  }

  @Test("indentedText matches Python's json.dumps(indent=2, sort_keys=True) on nesting, empties, escapes and numbers (within 64-bit integers, as canonical JSON)")
  func indentedMatchesPython() throws {
    let doc = #"{"b": [1, 2.5, {"z": null, "a": []}], "a": {}, "é": "x\ny\u0001", "n": 1e-12, "t": true, "f": 3.0}"#
    let ours = try JSONValue.parse(doc).indentedText
    guard let python = try? run(Python.executable, ["-c", "import json,sys; sys.stdout.write(json.dumps(json.loads(sys.stdin.read()), indent=2, sort_keys=True))"],
                                input: doc), python.status == 0 else {
      Issue.record("python3 is needed (make test provides it)")
      return
    }
    #expect(ours == python.stdout)
  }
}
