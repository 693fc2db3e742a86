import Support
import Testing
import TestSupport
@testable import Convert
@testable import SafeTensors

/// The headline promise: every serialisation of a model converts to the same bytes.
@Suite("Conversion matrix")
struct MatrixTests {
  static let cases: [(String, String)] = ["seqcls", "base", "pretraining"].flatMap { model in f32Fixtures(of: model).map { (model, $0) } }

  @Test("every f32 serialisation gives the canonical tensors and the same file bytes", arguments: MatrixTests.cases)
  func matrix(model: String, fixture: String) throws {
    let dir = TemporaryDirectory()
    let reference = dir.file("reference.safetensors")
    try Conversion.run(source: Fixtures.path("models/\(model)/safetensors"), output: reference)
    let output = dir.file("out.safetensors")
    try Conversion.run(source: Fixtures.path(fixture), output: output)
    #expect(fileSHA(output) == fileSHA(reference), "\(fixture)")

    let expected = canonicalManifest(model)
    #expect(!expected.isEmpty)
    let file = try SafeTensorsFile(path: output)
    #expect(Set(file.tensors.map(\.name)) == Set(expected.keys), "\(fixture)")
    for view in file.tensors {
      #expect(view.withUnsafeBytes { SHA256.hex($0) } == expected[view.name]?.sha256, "\(fixture): \(view.name)")
    }
  }

  @Test("the canonical file follows FORMAT.md: model order, one dtype, 64-byte data start, metadata")
  func layout() throws {
    let dir = TemporaryDirectory()
    let output = dir.file("out.safetensors")
    try Conversion.run(source: Fixtures.path("models/pretraining/safetensors"), output: output)
    let file = try SafeTensorsFile(path: output)
    let names = file.tensors.map(\.name)
    #expect(names.first == "bert.embeddings.word_embeddings.weight")
    #expect(names.prefix(5).last == "bert.embeddings.LayerNorm.bias")
    #expect(names[5] == "bert.encoder.layer.0.attention.self.query.weight")
    #expect(names.firstIndex(of: "bert.pooler.dense.weight")! < names.firstIndex(of: "cls.predictions.bias")!)
    #expect(!names.contains("cls.predictions.decoder.weight"))
    #expect(!names.contains("cls.predictions.decoder.bias"))
    #expect(!names.contains { $0.contains("position_ids") })
    #expect(Set(file.tensors.map(\.dtype)) == [.f32])
    #expect((8 + file.headerLength) % 64 == 0)
    #expect(file.metadata["format"] == "pt")
    let config = try JSONValue.parse(file.metadata["config"] ?? "")
    #expect(config["architectures"]?.arrayValue == [.string("BertForPreTraining")])
    #expect(config["transformers_version"] == nil && config["dtype"] == nil && config["use_cache"] == nil)
    #expect(config.canonicalText == file.metadata["config"])
  }

  @Test("the TF config's architectures are renamed to PyTorch classes in the canonical config")
  func tfArchitectures() throws {
    let plan = try Conversion.plan(source: Fixtures.path("models/base/h5")).1
    #expect(plan.config.architectures == ["BertModel"])
    #expect(plan.config.canonicalJSON.contains("\"architectures\":[\"BertModel\"]"))
    #expect(!plan.config.canonicalJSON.contains("TFBert"))
  }
}
