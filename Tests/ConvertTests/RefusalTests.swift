import Foundation
import Testing
import TestSupport
@testable import Convert
@testable import SafeTensors

@Suite("Refusals")
struct RefusalTests {
  let dir = TemporaryDirectory()

  @Test("an existing output is not overwritten without force; with it, the tool's files are written and others kept")
  func overwrite() throws {
    let out = dir.file("out")
    try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: false)
    FileManagerShim.write([1, 2, 3], to: out + "/keep.txt")
    #expect(convertError(Fixtures.path("models/seqcls/safetensors"), out)?.code == .output)
    #expect(FileManagerShim.list(out) == ["keep.txt"])
    try Conversion.run(source: Fixtures.path("models/seqcls/safetensors"), output: out, force: true)
    #expect(FileManagerShim.list(out) == ["config.json", "keep.txt", "model.safetensors", "tokenizer_config.json", "vocab.txt"])
    #expect(FileManagerShim.read(out + "/keep.txt") == [1, 2, 3])
    #expect(FileManagerShim.list(dir.path) == ["out"])
  }

  @Test("a config that contradicts the weights names tensor, expected and found shape; nothing is written")
  func contradiction() throws {
    let model = try copyFixture("models/seqcls/safetensors", into: dir)
    try editConfig(model, "intermediate_size", "40")
    let error = convertError(model, dir.file("out"))
    #expect(error?.code == .shapeMismatch)
    #expect(error?.description.contains("bert.encoder.layer.0.intermediate.dense.weight") == true)
    #expect(error?.description.contains("[40, 32]") == true)
    #expect(error?.description.contains("[37, 32]") == true)
    #expect(FileManagerShim.list(dir.path) == ["model"])
  }

  @Test("num_labels contradicting the classifier is a shape mismatch")
  func labels() throws {
    let model = try copyFixture("models/seqcls/safetensors", into: dir)
    try editConfig(model, "id2label", #"{"0": "a", "1": "b"}"#)
    try editConfig(model, "label2id", #"{"a": 0, "b": 1}"#)
    #expect(convertError(model, dir.file("out.safetensors"))?.description.contains("classifier.weight") == true)
  }

  @Test("missing tensors are listed all at once")
  func missing() throws {
    let model = try copyFixture("models/seqcls/safetensors", into: dir)
    let source = try SafeTensorsFile(path: Fixtures.path("models/seqcls/safetensors/model.safetensors"))
    let dropped: Set = ["bert.encoder.layer.1.output.dense.bias", "bert.embeddings.LayerNorm.weight", "classifier.bias"]
    let kept = source.tensors.filter { !dropped.contains($0.name) }
    let writer = try SafeTensorsWriter(path: model + "/model.safetensors",
                                       tensors: kept.map { TensorHeader(name: $0.name, dtype: $0.dtype, shape: $0.shape) })
    for view in kept { try view.withUnsafeBytes { try writer.write($0) } }
    try writer.finish()
    let error = convertError(model, dir.file("out.safetensors"))
    #expect(error?.code == .missingTensors)
    for name in dropped { #expect(error?.detail.contains(name) == true, "\(name)") }
  }

  @Test("a tensor the map does not know is listed, not dropped")
  func unknown() throws {
    let model = try copyFixture("models/seqcls/safetensors", into: dir)
    let source = try SafeTensorsFile(path: Fixtures.path("models/seqcls/safetensors/model.safetensors"))
    let extra = TensorHeader(name: "bert.encoder.layer.0.adapter.weight", dtype: .f32, shape: [2])
    let writer = try SafeTensorsWriter(path: model + "/model.safetensors",
                                       tensors: source.tensors.map { TensorHeader(name: $0.name, dtype: $0.dtype, shape: $0.shape) } + [extra])
    for view in source.tensors { try view.withUnsafeBytes { try writer.write($0) } }
    try [UInt8](repeating: 0, count: 8).withUnsafeBytes { try writer.write($0) }
    try writer.finish()
    let error = convertError(model, dir.file("out.safetensors"))
    #expect(error?.code == .unknownTensor)
    #expect(error?.detail.contains("bert.encoder.layer.0.adapter.weight") == true)
  }

  @Test("a GPT-2 checkpoint is refused as not BERT, by its config or by its tensors")
  func gpt2() throws {
    let model = dir.file("gpt2")
    try FileManager.default.createDirectory(atPath: model, withIntermediateDirectories: false)
    try writeTensors(model + "/model.safetensors", ["h.0.attn.c_attn.weight": [4, 12], "wte.weight": [10, 4]])
    FileManagerShim.write(Array(#"{"model_type": "gpt2", "vocab_size": 10, "n_embd": 4}"#.utf8), to: model + "/config.json")
    let byConfig = convertError(model, dir.file("out.safetensors"))
    #expect(byConfig?.code == .notBERT)
    #expect(byConfig?.description.contains("gpt2") == true)

    FileManagerShim.write(Array(#"{"model_type": "bert", "vocab_size": 10, "hidden_size": 4, "num_attention_heads": 1}"#.utf8),
                          to: model + "/config.json")
    #expect(convertError(model, dir.file("out.safetensors"))?.code == .notBERT)
    #expect(FileManagerShim.list(dir.path) == ["gpt2"])
  }

  @Test("a missing or malformed config.json is a config error naming it")
  func badConfig() throws {
    let model = try copyFixture("models/seqcls/safetensors", into: dir)
    FileManagerShim.write(Array("{not json".utf8), to: model + "/config.json")
    let error = convertError(model, dir.file("out.safetensors"))
    #expect(error?.code == .config)
    #expect(error?.file.hasSuffix("config.json") == true)
    try FileManager.default.removeItem(atPath: model + "/config.json")
    #expect(convertError(model, dir.file("out.safetensors"))?.code == .config)
  }

  func writeTensors(_ path: String, _ shapes: [String: [Int]]) throws {
    let headers = shapes.keys.sorted().map { TensorHeader(name: $0, dtype: .f32, shape: shapes[$0]!) }
    let writer = try SafeTensorsWriter(path: path, tensors: headers)
    for header in headers {
      try [UInt8](repeating: 0, count: header.shape.reduce(4, *)).withUnsafeBytes { try writer.write($0) }
    }
    try writer.finish()
  }
}
