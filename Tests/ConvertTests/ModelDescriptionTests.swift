import Foundation
import Models
import SafeTensors
import Support
import Testing
import TestSupport
@testable import Checkpoint
@testable import Convert

/// Bytes that cannot be produced: the reader's error as an HDF5 or PyTorch read failure would raise it.
private struct FailingBytes: TensorBytes {
  var isMapped: Bool { false }
  func withContiguousBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) throws -> R {
    throw CheckpointError(.io, file: "/models/tf_model.h5", at: "dataset '/bert/pooler/dense/kernel:0'", "H5Dread failed")
  }
}

@Suite("Model description: one table per family, read by the converter and the encoder")
struct ModelDescriptionTests {
  static let seqcls = Fixtures.path("models/seqcls/safetensors")

  @Test("every canonical tensor of every fixture is one module parameter of the BERT table, once, in table order")
  func tableCoversFixtures() throws {
    for model in ["seqcls", "base", "pretraining"] {
      let (_, plan) = try Conversion.plan(source: Fixtures.path("models/\(model)/safetensors"))
      let table = ModelFamily.bert.modules(plan.config).flatMap(\.parameters).map(\.name)
      let names = plan.tensors.map(\.name)
      #expect(Set(names).count == names.count)
      // Plan order is table order.
      let positions = names.compactMap { table.firstIndex(of: $0) }
      #expect(positions.count == names.count, "\(model): a canonical name outside the table")
      #expect(positions == positions.sorted(), "\(model): plan order differs from the table's")
      #expect(Set(names) == Set(canonicalManifest(model).keys), "\(model): plan and manifest disagree")
    }
  }

  @Test("roles are unique per layer, and every layer has the same roles")
  func rolesUnique() throws {
    let (_, plan) = try Conversion.plan(source: ModelDescriptionTests.seqcls)
    let modules = ModelFamily.bert.modules(plan.config)
    var seen = Set<String>()
    for m in modules { #expect(seen.insert("\(m.role)#\(m.layer ?? -1)").inserted, "\(m.role) twice in layer \(m.layer ?? -1)") }
    let perLayer = (0..<plan.config.numHiddenLayers).map { l in Set(modules.filter { $0.layer == l }.map(\.role)) }
    #expect(Set(perLayer).count == 1)
    #expect(plan.module(.query, layer: 0)?.tensors.map(\.name) == ["bert.encoder.layer.0.attention.self.query.weight", "bert.encoder.layer.0.attention.self.query.bias"])
  }

  @Test("the head comes from architectures when its weights are present, else from the head groups")
  func headSelection() throws {
    let (_, seqcls) = try Conversion.plan(source: ModelDescriptionTests.seqcls)
    #expect(seqcls.headKind == .sequenceClassification)
    let (_, base) = try Conversion.plan(source: Fixtures.path("models/base/safetensors"))
    #expect(base.headKind == nil)
    let (_, pretraining) = try Conversion.plan(source: Fixtures.path("models/pretraining/safetensors"))
    #expect(pretraining.headKind == .preTraining)
    // A token-classification config over the same classifier weights selects the token head.
    var config = seqcls.config
    config.architectures = ["BertForTokenClassification"]
    #expect(ModelFamily.bert.headKind(config: config, presentGroups: ["classifier"]) == .tokenClassification)
    // A class whose head weights are absent falls back to what is present.
    config.architectures = ["BertForQuestionAnswering"]
    #expect(ModelFamily.bert.headKind(config: config, presentGroups: ["classifier"]) == .sequenceClassification)
  }

  @Test("a safetensors checkpoint keeps its __metadata__; tensors say whether their bytes are mapped")
  func metadataAndMapping() throws {
    let dir = try TemporaryDirectory()
    let out = dir.file("model.safetensors")
    try Conversion.run(source: Fixtures.path("models/seqcls/bin"), output: out)
    let canonical = try Checkpoint.open(out)
    let text = try #require(canonical.metadata?["config"])
    #expect(try JSONValue.parse(text)["model_type"] == .string("bert"))
    #expect(canonical.tensors.allSatisfy { $0.isMapped })
    #expect(try Checkpoint.open(Fixtures.path("models/seqcls/bin")).metadata == nil)
    #expect(try Checkpoint.open(Fixtures.path("models/seqcls/h5")).tensors.allSatisfy { !$0.isMapped })
  }

  @Test("an unknown model_type names the families that are supported")
  func unknownFamily() {
    #expect {
      _ = try ModelConfig(json: try JSONValue.parse(#"{"model_type": "gpt2", "vocab_size": 10}"#), path: "config.json")
    } throws: { error in
      guard let error = error as? ModelError else { return false }
      return error.code == .unsupportedFamily && error.description.contains("'gpt2'") && error.description.contains("'bert'")
    }
  }

  @Test("a source read failure while writing keeps the reader's file, tensor and location, not the output's")
  func sourceErrorKeepsContext() throws {
    let (checkpoint, _) = try Conversion.plan(source: ModelDescriptionTests.seqcls)
    let broken = checkpoint.tensors.map { t in
      t.name == "bert.pooler.dense.weight"
        ? SourceTensor(name: t.name, dtype: t.dtype, shape: t.shape, file: "/models/tf_model.h5", bytes: FailingBytes()) : t
    }
    let hostile = Checkpoint(format: checkpoint.format, path: checkpoint.path, directory: checkpoint.directory,
                             files: checkpoint.files, tensors: broken)
    let plan = try ParameterMap.plan(hostile, config: try ModelConfig(path: checkpoint.directory + "/config.json"))
    let dir = try TemporaryDirectory()
    let out = dir.file("out.safetensors")
    do {
      try CanonicalWriter.write(plan, dtype: .keep, to: out)
      Issue.record("the write succeeded")
    } catch {
      #expect(error.code == .source)
      #expect(error.file == "/models/tf_model.h5")
      #expect(error.tensor == "bert.pooler.dense.weight")
      #expect(error.context.root.code == CheckpointError.Code.io.rawValue)
      #expect(error.context.root.location == "dataset '/bert/pooler/dense/kernel:0'")
      #expect(error.description.hasPrefix("/models/tf_model.h5: cannot read source (tensor 'bert.pooler.dense.weight')"))
    }
    #expect(!FileManager.default.fileExists(atPath: out))
  }

  @Test("module boundaries: the encoder does not import Convert; only Sources/Models spells parameter names")
  func boundaries() throws {
    let sources = Fixtures.root + "/Sources"
    let files = FileManager.default.enumerator(atPath: sources)!.compactMap { $0 as? String }.filter { $0.hasSuffix(".swift") }
    let parameterName = try Regex(#""(bert\.(embeddings|encoder|pooler)|cls\.(predictions|seq_relationship)|classifier\.|qa_outputs)"#)
    for file in files {
      let text = try String(contentsOfFile: sources + "/" + file, encoding: .utf8)
      if file.hasPrefix("BERT/") { #expect(!text.contains("import Convert"), "\(file) imports Convert") }
      guard !file.hasPrefix("Models/") else { continue }
      let code = text.split(separator: "\n").filter { !$0.trimmingCharacters(in: .whitespaces).hasPrefix("//") }.joined(separator: "\n")
      #expect(code.firstMatch(of: parameterName) == nil, "\(file) spells a parameter name")
    }
  }
}
