import Foundation
import Testing
import TestSupport
@testable import BERT

/// `bert-verify explain` and `similarity` against numbers computed here from the goldens.
@Suite("explain and similarity")
struct ExplainSimilarityTests {
  let tool = Binaries.path("bert-verify")

  func json(_ stdout: String) throws -> [String: Any] {
    try #require(try JSONSerialization.jsonObject(with: Data(stdout.utf8)) as? [String: Any])
  }

  func cosine(_ a: [Float], _ b: [Float]) -> Double {
    var (d, x, y) = (0.0, 0.0, 0.0)
    for (p, q) in zip(a, b) { d += Double(p) * Double(q); x += Double(p) * Double(p); y += Double(q) * Double(q) }
    return d / (x.squareRoot() * y.squareRoot())
  }

  func close(_ a: [Double], _ b: [Float], _ tolerance: Double = 2e-5) -> Bool {
    a.count == b.count && zip(a, b).allSatisfy { abs($0 - Double($1)) <= tolerance }
  }

  @Test("explain --json on the classifier: ids, per-layer [CLS] norms and cosines, pooler, logits and mean match the golden's row 0")
  func explain() throws {
    let model = Fixtures.path("models/seqcls/safetensors")
    let golden = try Golden(path: goldenPath("seqcls"))
    let result = try run(tool, ["explain", model, "--text", "The quick dog jumped over the lazy cats!", "--json"])
    #expect(result.status == 0, "\(result.stderr)")
    let j = try json(result.stdout)
    let s = golden.input.sequence
    let n = golden.input.attentionMask[0..<s].reduce(0, +)
    let ids = Array(golden.input.inputIDs[0..<n])
    let tokens = try #require(j["tokens"] as? [[String: Any]])
    #expect(tokens.map { $0["id"] as? Int } == ids)
    #expect(tokens.first?["token"] as? String == "[CLS]" && tokens.first?["special"] as? Bool == true)
    #expect(tokens.filter { $0["special"] as? Bool == true }.count == 2)
    #expect(j["cls_token_id"] as? Int == ids[0])
    #expect((j["special_tokens"] as? [[String: Any]])?.compactMap { $0["token"] as? String } == ["[CLS]", "[SEP]"])
    // The word-embedding row, from the weights file itself.
    let (weights, _) = try readTensors(model + "/model.safetensors")
    let table = try #require(weights.first { $0.name == "bert.embeddings.word_embeddings.weight" }).floats
    let row = try #require(j["cls_input_embedding"] as? [Double]).map { Float($0) }  // shortest decimals round-trip exactly
    #expect(row == Array(table[(ids[0] * 32)..<(ids[0] * 32 + 32)]))

    let layers = try #require(j["layers"] as? [[String: Any]])
    #expect(layers.count == 3)
    for (k, layer) in layers.enumerated() {
      let state = try #require(golden.outputs.first { $0.name == "hidden_states.\(k)" }).values
      let cls = Array(state[0..<32])
      let others = (0..<32).map { c in (1..<n).reduce(Float(0)) { $0 + state[$1 * 32 + c] } / Float(n - 1) }
      let norm = cls.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot()
      #expect(abs((layer["cls_norm"] as? Double ?? .nan) - norm) <= 1e-4, "layer \(k)")
      #expect(abs((layer["cosine_cls_mean_of_others"] as? Double ?? .nan) - cosine(cls, others)) <= 1e-4, "layer \(k)")
    }
    let pooler = try #require(golden.outputs.first { $0.name == "pooler_output" }).values
    #expect(close(try #require(j["pooler_output"] as? [Double]), Array(pooler[0..<32])))
    let logits = try #require(golden.outputs.first { $0.name == "logits" }).values
    #expect(close(try #require(j["logits"] as? [Double]), Array(logits[0..<3])))
    let last = try #require(golden.outputs.first { $0.name == "last_hidden_state" }).values
    let mean = (0..<32).map { c in (0..<n).reduce(Float(0)) { $0 + last[$1 * 32 + c] } / Float(n) }
    #expect(close(try #require(j["mean_pooled"] as? [Double]), mean))
    #expect(abs((j["cosine_cls_mean"] as? Double ?? .nan) - cosine(Array(last[0..<32]), mean)) <= 1e-4)

    let text = try run(tool, ["explain", model, "--text", "Is the old cat happy?", "--text-pair", "Yes, very."])
    #expect(text.status == 0 && text.stdout.contains("logits:") && text.stdout.contains("[SEP]=3*"))
  }

  @Test("similarity --json: each pooling's matrix is the cosines of the golden's vectors; the model agrees with itself")
  func similarity() throws {
    let golden = try Golden(path: goldenPath("st-max"))
    let texts = ["The quick dog jumped over the lazy cats!", "Is the old cat happy?", "Hello Café", "yes"]
    let result = try run(tool, ["similarity", Fixtures.path("models/st-max/safetensors"), "--json"], input: texts.joined(separator: "\n") + "\n")
    #expect(result.status == 0, "\(result.stderr)")
    let j = try json(result.stdout)
    #expect(j["texts"] as? [String] == texts)
    let pooling = try #require(j["pooling"] as? [String: [[Double]]])
    #expect(Set(pooling.keys) == ["model", "cls", "pooler", "mean", "max"])
    let (b, s, h) = (4, golden.input.sequence, 16)
    let sentence = try #require(golden.outputs.first { $0.name == "sentence_embedding" }).values
    let tokens = try #require(golden.outputs.first { $0.name == "token_embeddings" }).values
    let mask = golden.input.attentionMask
    func vectors(_ f: (Int) -> [Float]) -> [[Float]] { (0..<b).map(f) }
    let expected: [String: [[Float]]] = [
      "model": vectors { Array(sentence[($0 * h)..<(($0 + 1) * h)]) },
      "cls": vectors { Array(tokens[($0 * s * h)..<($0 * s * h + h)]) },
      "mean": vectors { r in
        let real = (0..<s).filter { mask[r * s + $0] == 1 }
        return (0..<h).map { c in real.reduce(Float(0)) { $0 + tokens[(r * s + $1) * h + c] } / Float(real.count) }
      },
    ]
    for (name, vs) in expected {
      let matrix = try #require(pooling[name])
      for i in 0..<b {
        for k in 0..<b { #expect(abs(matrix[i][k] - cosine(vs[i], vs[k])) <= 1e-5, "\(name)[\(i)][\(k)]") }
      }
    }
    let agreement = try #require(j["agreement"] as? [String: Double])
    #expect(agreement["model"] == 1 && agreement["max"] == 1)  // st-max's own pipeline is max pooling
    let pairs = { (m: [[Double]]) in (0..<b).flatMap { i in ((i + 1)..<b).map { m[i][$0] } } }
    #expect(agreement["mean"] == SimilarityReport.spearman(pairs(pooling["mean"]!), pairs(pooling["model"]!)))
    #expect(try run(tool, ["similarity", Fixtures.path("models/st-max/safetensors"), "--pooling", "median"], input: "a\n").status == 2)
    let two = try run(tool, ["similarity", Fixtures.path("models/st-max/safetensors"), "--pooling", "cls", "mean"], input: "a\nb\n")
    #expect(two.status == 0 && two.stdout.contains("needs 3 texts"))
  }

  @Test("Spearman's rho ranks ties by their average, as scipy does")
  func spearman() {
    // scipy.stats.spearmanr([1, 2, 2, 3, 5], [1, 3, 2, 4, 4]).statistic
    #expect(abs(SimilarityReport.spearman([1, 2, 2, 3, 5], [1, 3, 2, 4, 4])! - 0.9473684210526317) < 1e-12)
    #expect(SimilarityReport.spearman([1, 2, 3], [3, 2, 1]) == -1)
    #expect(SimilarityReport.spearman([1, 1, 1], [1, 2, 3]) == nil)
    #expect(SimilarityReport.ranks([10, 20, 10, 5]) == [2.5, 4, 2.5, 1])
  }
}
