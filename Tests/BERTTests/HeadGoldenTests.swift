import Foundation
import Testing
import TestSupport
@testable import BERT

/// The head goldens: a perturbed head output fails naming it, relative positions are really used, multiple-choice
/// goldens keep their [B, C, S] shape.
@Suite("Head goldens")
struct HeadGoldenTests {
  let tool = Binaries.path("bert-verify")

  @Test("a perturbed head output fails with exit 1 naming it",
        arguments: [("mlm", "logits"), ("pretraining-heads", "prediction_logits"), ("pretraining-heads", "seq_relationship_logits"),
                    ("nsp", "logits"), ("multiple-choice", "logits"), ("token-classification", "logits"),
                    ("question-answering", "end_logits")])
  func perturbed(_ model: String, _ output: String) throws {
    let dir = TemporaryDirectory()
    let golden = try editedGolden(model, in: dir) { tensors in tensors.modify(output) { $0[1] += 1e-3 } }
    let result = try run(tool, [Fixtures.path("models/\(model)/safetensors"), "--golden", golden])
    #expect(result.status == 1, "\(result.stdout)\(result.stderr)")
    #expect(result.stdout.contains("first divergent: \(output)"), "\(result.stdout)")
    let row = try #require(result.stdout.split(separator: "\n").first { $0.hasPrefix(output + " ") })
    #expect(row.hasSuffix("FAIL"))
  }

  @Test("each head golden's texts re-tokenize to its ids (multiple choice: a list of [prompt, choice] pairs per example)",
        arguments: ["mlm", "pretraining-heads", "nsp", "multiple-choice", "token-classification", "question-answering",
                    "relative-key", "relative-key-query"])
  func texts(_ model: String) throws {
    let result = try run(tool, [Fixtures.path("models/\(model)/safetensors"), "--golden", goldenPath(model)])
    #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
    #expect(result.stdout.contains("the golden's texts re-tokenize to its input_ids"), "\(result.stdout)")
  }

  @Test("each head golden holds exactly the outputs the model description names for its class",
        arguments: ["mlm", "pretraining-heads", "nsp", "multiple-choice", "token-classification", "question-answering", "seqcls"])
  func outputNames(_ model: String) throws {
    let bert = try BertModel.load(Fixtures.path("models/\(model)/safetensors"))
    let kind = try #require(bert.headKind)
    let golden = try Golden(path: goldenPath(model))
    let heads = golden.outputs.map(\.name).filter { !$0.hasPrefix("hidden_states.") && $0 != "last_hidden_state" && $0 != "pooler_output" }
    #expect(heads == kind.outputNames, "\(model): \(heads)")
    #expect(Set(try bert.forward(golden.input).tensors.map(\.name)).isSuperset(of: kind.outputNames))
  }

  @Test("the multiple-choice golden's inputs are [B, C, S] and its logits [B, C]")
  func multipleChoiceShape() throws {
    let golden = try Golden(path: goldenPath("multiple-choice"))
    #expect(golden.input.choices == 3 && golden.input.batch == 6)
    #expect(golden.outputs.first { $0.name == "logits" }?.shape == [2, 3])
  }

  @Test("relative positions change the outputs: the wrong kind fails the golden")
  func relativeKindMatters() throws {
    let dir = TemporaryDirectory()
    _ = try copyFixture("models/relative-key-query/safetensors", into: dir)
    try editJSON(dir.file("config.json"), ["position_embedding_type": "relative_key"])
    let wrong = try ParityReport.compare(model: try BertModel.load(dir.path), modelPath: dir.path,
                                         golden: try Golden(path: goldenPath("relative-key-query")))
    #expect(!wrong.passed)
    #expect(wrong.firstDivergent?.name == "hidden_states.1")
    let right = try ParityReport.compare(model: try BertModel.load(Fixtures.path("models/relative-key-query/safetensors")),
                                         modelPath: "relative-key-query", golden: try Golden(path: goldenPath("relative-key-query")))
    #expect(right.passed)
  }
}
