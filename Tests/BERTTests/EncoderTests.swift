import Checkpoint
import Convert
import Models
import Foundation
import Testing
import TestSupport
@testable import BERT

@Suite("Encoder")
struct EncoderTests {
  static let seqcls = Fixtures.path("models/seqcls/safetensors")

  func badInput(_ body: () throws -> Void) -> String? {
    do {
      try body()
      return nil
    } catch let error as BERTError {
      return error.code == .badInput ? error.detail : "wrong code: \(error)"
    } catch {
      return "unexpected: \(error)"
    }
  }

  @Test("inputs outside the model are errors, not traps")
  func inputChecks() throws {
    let model = try BertModel.load(EncoderTests.seqcls)
    let vocab = model.config.vocabSize
    let ids = try #require(badInput { _ = try model.forward(EncoderInput(batch: 1, sequence: 3, inputIDs: [2, vocab, 3])) })
    #expect(ids.contains("input_ids[0][1]") && ids.contains("vocab_size"))
    let negative = try #require(badInput { _ = try model.forward(EncoderInput(batch: 1, sequence: 2, inputIDs: [2, -1])) })
    #expect(negative.contains("input_ids[0][1]"))
    let long = try #require(badInput { _ = try model.forward(EncoderInput(batch: 1, sequence: 65, inputIDs: Array(repeating: 2, count: 65))) })
    #expect(long.contains("max_position_embeddings"))
    let types = try #require(badInput { _ = try model.forward(EncoderInput(batch: 1, sequence: 2, inputIDs: [2, 3], tokenTypeIDs: [0, 2])) })
    #expect(types.contains("type_vocab_size"))
    let mask = try #require(badInput { _ = try EncoderInput(batch: 1, sequence: 2, inputIDs: [2, 3], attentionMask: [1, 2]) })
    #expect(mask.contains("attention_mask"))
    #expect(badInput { _ = try EncoderInput(batch: 2, sequence: 2, inputIDs: [2, 3]) } != nil)
    let workspace = try model.makeWorkspace(batch: 1, sequence: 4)
    #expect(badInput { _ = try model.forward(EncoderInput(batch: 1, sequence: 3, inputIDs: [2, 3, 4]), workspace: workspace) } != nil)
  }

  @Test("unknown position embeddings and activations are unsupported, said clearly")
  func unsupported() throws {
    for (key, value, expected) in [("position_embedding_type", "rotary", "position_embedding_type 'rotary'"),
                                   ("hidden_act", "gelu_banana", "hidden_act 'gelu_banana'")] {
      let dir = TemporaryDirectory()
      _ = try copyFixture("models/seqcls/safetensors", into: dir)
      try editJSON(dir.file("config.json"), [key: value])
      #expect { _ = try BertModel.load(dir.path) } throws: { error in
        guard let error = error as? BERTError else { return false }
        return error.code == .unsupported && error.description.contains(expected) && error.description.contains("config.json")
      }
    }
  }

  @Test("each row alone gives what it gives inside the padded batch")
  func batchInvariance() throws {
    let model = try BertModel.load(EncoderTests.seqcls)
    let golden = try Golden(path: goldenPath("seqcls"))
    let batched = try model.forward(golden.input)
    let (s, h) = (golden.input.sequence, model.config.hiddenSize)
    for b in 0..<golden.input.batch {
      let alone = try model.forward(golden.input.row(b))
      for t in 0..<s where golden.input.attentionMask[b * s + t] == 1 {
        for i in 0..<h {
          #expect(abs(alone.lastHiddenState[t * h + i] - batched.lastHiddenState[(b * s + t) * h + i]) <= 1e-6)
        }
      }
      let labels = model.config.numLabels
      for j in 0..<labels {
        #expect(abs(alone.logits!.values[j] - batched.logits!.values[b * labels + j]) <= 1e-6)
      }
    }
  }

  @Test("a reused workspace gives identical results; weights copied or mapped agree bit for bit")
  func determinism() throws {
    // Safetensors bytes are mapped (used in place); HDF5 datasets are read through libhdf5 (copied once).
    let (_, plan) = try Conversion.plan(source: EncoderTests.seqcls)
    let (_, h5Plan) = try Conversion.plan(source: EncoderTests.seqcls.replacingOccurrences(of: "/safetensors", with: "/h5"))
    #expect(plan.tensors.allSatisfy { $0.source.isMapped })
    #expect(!h5Plan.tensors.contains { $0.source.isMapped })
    let mapped = try BertModel(plan: plan)
    let copied = try BertModel(plan: h5Plan)
    #expect(mapped.embeddings.word.storage.isMapped)
    #expect(!copied.embeddings.word.storage.isMapped)
    let golden = try Golden(path: goldenPath("seqcls"))
    let workspace = try mapped.makeWorkspace(batch: golden.input.batch, sequence: golden.input.sequence)
    let first = try mapped.forward(golden.input, workspace: workspace)
    let second = try mapped.forward(golden.input, workspace: workspace, keepHiddenStates: false)
    let third = try copied.forward(golden.input)
    #expect(first.lastHiddenState == second.lastHiddenState)
    #expect(second.hiddenStates.isEmpty)
    #expect(first.logits?.values == third.logits?.values)
    #expect(first.hiddenStates == third.hiddenStates)
  }

  @Test("a canonical file carries its own config: converted f32 and f16 files verify without config.json")
  func canonicalFile() throws {
    let dir = TemporaryDirectory()
    // Our f16 cast rounds as torch's .half() does, so the f16 file holds seqcls/safetensors-f16's weights and is held
    // to their golden (transformers on those weights in f32) at its own tolerances.
    for (dtype, golden) in [(TargetDType.f32, "golden.safetensors"), (.f16, "golden-f16.safetensors")] {
      let path = dir.file("seqcls-\(dtype.rawValue).safetensors")
      try Conversion.run(source: EncoderTests.seqcls, output: path, dtype: dtype)
      let model = try BertModel.load(path)
      #expect(model.config.path.contains("__metadata__"))
      let report = try ParityReport.compare(model: model, modelPath: path, golden: try Golden(path: Fixtures.path("models/seqcls/" + golden)))
      #expect(report.passed && report.toleranceSource == "golden", "\(report.table)")
    }
  }

  /// The seqcls encoder with another head: its tensors, the classifier rows given to `head`, and a config.
  func withHead(_ head: String, rows: Int, architecture: String, keepPooler: Bool, in dir: TemporaryDirectory) throws -> String {
    var (tensors, metadata) = try readTensors(EncoderTests.seqcls + "/model.safetensors")
    if !keepPooler { tensors.removeAll { $0.name.hasPrefix("bert.pooler.") } }
    for i in tensors.indices where tensors[i].name.hasPrefix("classifier.") {
      tensors[i].name = head + "." + tensors[i].name.split(separator: ".").last!
      tensors[i].shape[0] = rows
      tensors[i].floats = Array(tensors[i].floats.prefix(rows * (tensors[i].shape.count == 2 ? tensors[i].shape[1] : 1)))
    }
    try writeTensors(tensors, metadata: metadata, to: dir.file("model.safetensors"))
    try FileManager.default.copyItem(atPath: EncoderTests.seqcls + "/config.json", toPath: dir.file("config.json"))
    try editJSON(dir.file("config.json"), ["architectures": [architecture], "id2label": nil, "label2id": nil, "num_labels": rows])
    return dir.path
  }

  /// x · w + b in double precision.
  func linear(_ x: ArraySlice<Float>, _ w: ArraySlice<Float>, _ b: Float) -> Double {
    zip(x, w).reduce(Double(b)) { $0 + Double($1.0) * Double($1.1) }
  }

  @Test("token classification and question answering heads: one linear layer over every token")
  func tokenHeads() throws {
    let golden = try Golden(path: goldenPath("seqcls"))
    let (batch, s) = (golden.input.batch, golden.input.sequence)
    let seqclsTensors = try readTensors(EncoderTests.seqcls + "/model.safetensors").0
    let w = seqclsTensors.first { $0.name == "classifier.weight" }!.floats
    let bias = seqclsTensors.first { $0.name == "classifier.bias" }!.floats

    let tokenDir = TemporaryDirectory()
    let token = try BertModel.load(withHead("classifier", rows: 3, architecture: "BertForTokenClassification", keepPooler: false, in: tokenDir))
    #expect(token.headKind == .tokenClassification && !token.hasPooler)
    let tokenOut = try token.forward(golden.input)
    let logits = try #require(tokenOut.logits)
    #expect(logits.shape == [batch, s, 3] && logits.perToken)
    #expect(tokenOut.poolerOutput == nil)

    let qaDir = TemporaryDirectory()
    let qa = try BertModel.load(withHead("qa_outputs", rows: 2, architecture: "BertForQuestionAnswering", keepPooler: true, in: qaDir))
    #expect(qa.headKind == .questionAnswering)
    let qaOut = try qa.forward(golden.input)
    let start = try #require(qaOut.startLogits), end = try #require(qaOut.endLogits)
    #expect(qaOut.tensor(named: "start_logits")?.shape == [batch, s])

    let h = 32
    for t in 0..<(batch * s) {
      let x = tokenOut.lastHiddenState[(t * h)..<((t + 1) * h)]
      for j in 0..<3 {
        #expect(abs(Double(logits.values[t * 3 + j]) - linear(x, w[(j * h)..<((j + 1) * h)], bias[j])) < 1e-5)
      }
      #expect(abs(Double(start[t]) - linear(x, w[0..<h], bias[0])) < 1e-5)
      #expect(abs(Double(end[t]) - linear(x, w[h..<(2 * h)], bias[1])) < 1e-5)
    }
  }
}

extension WeightTensor.Storage {
  var isMapped: Bool { if case .mapped = self { true } else { false } }
}
