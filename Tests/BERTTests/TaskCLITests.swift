import Foundation
import Testing
import TestSupport
@testable import BERT

/// `bert-verify MODEL --text … --json` prints what transformers' pipeline returned for the same input, recorded by
/// golden/heads.py in each model's pipeline.json: same keys and values, scores within 1e-4.
@Suite("Task answers equal transformers' pipelines")
struct TaskCLITests {
  let tool = Binaries.path("bert-verify")

  static let models = ["mlm", "pretraining-heads", "nsp", "multiple-choice", "token-classification", "question-answering", "seqcls",
                       "roberta-fill-mask"]

  /// The recorded cases of a model: (task, command-line arguments, expected JSON).
  static func cases(_ model: String) throws -> [(task: String, arguments: [String], expected: Any)] {
    let data = try Data(contentsOf: URL(fileURLWithPath: Fixtures.path("models/\(model)/pipeline.json")))
    let json = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    let cases = try #require(json["cases"] as? [[String: Any]])
    return try cases.map { item in
      let task = try #require(item["task"] as? String)
      let inputs = try #require(item["inputs"] as? [String: Any])
      var arguments: [String] = []
      for key in ["text", "text_pair", "question", "context"] {
        if let value = inputs[key] as? String { arguments += ["--" + key.replacingOccurrences(of: "_", with: "-"), value] }
      }
      for choice in inputs["choices"] as? [String] ?? [] { arguments += ["--choice", choice] }
      return (task, arguments, try #require(item["output"]))
    }
  }

  /// Equal JSON, numbers (scores) within `tolerance`; describes the first difference.
  static func difference(_ ours: Any, _ theirs: Any, at path: String = "$", tolerance: Double = 1e-4) -> String? {
    switch (ours, theirs) {
    case let (a as [String: Any], b as [String: Any]):
      guard Set(a.keys) == Set(b.keys) else { return "\(path): keys \(a.keys.sorted()) ≠ \(b.keys.sorted())" }
      for key in a.keys.sorted() { if let d = difference(a[key]!, b[key]!, at: path + "." + key, tolerance: tolerance) { return d } }
      return nil
    case let (a as [Any], b as [Any]):
      guard a.count == b.count else { return "\(path): \(a.count) elements ≠ \(b.count)" }
      for (i, (x, y)) in zip(a, b).enumerated() { if let d = difference(x, y, at: "\(path)[\(i)]", tolerance: tolerance) { return d } }
      return nil
    case let (a as String, b as String):
      return a == b ? nil : "\(path): \"\(a)\" ≠ \"\(b)\""
    case let (a as NSNumber, b as NSNumber):
      return abs(a.doubleValue - b.doubleValue) <= tolerance ? nil : "\(path): \(a) ≠ \(b)"
    default:
      return "\(path): \(ours) ≠ \(theirs)"
    }
  }

  @Test("--json equals the recorded pipeline output", arguments: TaskCLITests.models)
  func pipeline(_ model: String) throws {
    for recorded in try TaskCLITests.cases(model) {
      let result = try run(tool, [Fixtures.path("models/\(model)/safetensors")] + recorded.arguments + ["--json"])
      #expect(result.status == 0, "\(model) \(recorded.task): \(result.stderr)")
      let ours = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8))
      let difference = TaskCLITests.difference(ours, recorded.expected)
      #expect(difference == nil, "\(model) \(recorded.task): \(difference ?? "")\n\(result.stdout)")
    }
  }

  @Test("the comparison catches a wrong answer")
  func comparisonBites() throws {
    let expected: [Any] = [["label": "a", "score": 0.5], ["label": "b", "score": 0.25]]
    #expect(TaskCLITests.difference([["label": "a", "score": 0.50005], ["label": "b", "score": 0.25]], expected) == nil)
    #expect(TaskCLITests.difference([["label": "a", "score": 0.5002], ["label": "b", "score": 0.25]], expected) != nil)
    #expect(TaskCLITests.difference([["label": "b", "score": 0.25], ["label": "a", "score": 0.5]], expected) != nil)
    #expect(TaskCLITests.difference([["label": "a", "score": 0.5]], expected) != nil)
    #expect(TaskCLITests.difference([["label": "a", "score": 0.5, "x": 1], ["label": "b", "score": 0.25]], expected) != nil)
  }

  @Test("without --json each task answers in words; --json FILE writes the file")
  func humanReadable() throws {
    let fill = try run(tool, [Fixtures.path("models/mlm/safetensors"), "--text", "The capital of France is [MASK]."])
    #expect(fill.status == 0, "\(fill.stderr)")
    #expect(fill.stdout.contains("task:    fill-mask") && fill.stdout.contains("the capital of france is against."))
    let qa = try run(tool, [Fixtures.path("models/question-answering/safetensors"), "--question", "Where does Sarah live?",
                            "--context", "My name is Sarah and I live in London."])
    #expect(qa.status == 0 && qa.stdout.contains("answer: \"My name\""), "\(qa.stdout)\(qa.stderr)")
    let dir = TemporaryDirectory()
    let file = dir.file("answer.json")
    let nsp = try run(tool, [Fixtures.path("models/nsp/safetensors"), "--text", "A.", "--text-pair", "B.", "--json", file])
    #expect(nsp.status == 0 && nsp.stdout.isEmpty, "\(nsp.stderr)")
    let written = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: file))) as? [String: Any]
    #expect((written?["is_next"] as? Double).map { $0 > 0 && $0 < 1 } == true)
  }

  @Test("a bare --json is stdout for verify (report or answer) and left alone for subcommands with a --json flag")
  func bareJSON() throws {
    let report = try run(tool, [Fixtures.path("models/seqcls/safetensors"), "--golden", goldenPath("seqcls"), "--json"])
    #expect(report.status == 0, "\(report.stderr)")
    let parsed = try JSONSerialization.jsonObject(with: Data(report.stdout.utf8)) as? [String: Any]
    #expect(parsed?["pass"] as? Bool == true)
    let answer = try run(tool, [Fixtures.path("models/seqcls/safetensors"), "--json", "--text", "Hello"])
    #expect(answer.status == 0 && (try? JSONSerialization.jsonObject(with: Data(answer.stdout.utf8))) is [Any], "\(answer.stdout)\(answer.stderr)")
  }

  @Test("missing task inputs are one line and exit 2")
  func missingInputs() throws {
    let noMask = try run(tool, [Fixtures.path("models/mlm/safetensors"), "--text", "no mask here"])
    #expect(noMask.status == 2 && noMask.stderr.contains("mask"), "\(noMask.stderr)")
    let noPair = try run(tool, [Fixtures.path("models/nsp/safetensors"), "--text", "alone"])
    #expect(noPair.status == 2 && noPair.stderr.contains("--text-pair"), "\(noPair.stderr)")
    let noChoice = try run(tool, [Fixtures.path("models/multiple-choice/safetensors"), "--text", "prompt"])
    #expect(noChoice.status == 2 && noChoice.stderr.contains("--choice"), "\(noChoice.stderr)")
    #expect(try run(tool, [Fixtures.path("models/question-answering/safetensors"), "--question", "q"]).status == 2)
  }
}

/// The token decoder against the fast tokenizer's decode (values printed by transformers 4.57 for the mlm
/// fixture's tokenizer, whose tokenizer_config says clean_up_tokenization_spaces true).
@Suite("Decoding as the fast tokenizer decodes")
struct TokenDecoderTests {
  @Test("WordPiece joining, special tokens, both cleanups")
  func decode() throws {
    let directory = Fixtures.path("models/mlm/safetensors")
    let tokenizer = try WordPieceTokenizer(directory: directory)
    let decoder = try TokenDecoder(tokenizer: tokenizer, directory: directory)
    #expect(decoder.cleanUpTokenizationSpaces)
    let ids = tokenizer.encode("the man , went to [MASK] ' s house . he don't do not !").ids
    #expect(decoder.decode(ids) == "[CLS] the man, went to [MASK]'s house. he don't do not! [SEP]")
    #expect(decoder.decode(ids, skipSpecialTokens: true) == "the man, went to's house. he don't do not!")
    // pretraining-heads says false: only the decoder's per-token cleanup applies.
    let other = Fixtures.path("models/pretraining-heads/safetensors")
    let plain = try TokenDecoder(tokenizer: try WordPieceTokenizer(directory: other), directory: other)
    #expect(!plain.cleanUpTokenizationSpaces)
    #expect(plain.decode(ids) == "[CLS] the man, went to [MASK] ' s house. he don ' t do not! [SEP]")
    // vocab.txt without tokenizer.json and without the key: transformers converts BertTokenizer, default true.
    let seqcls = Fixtures.path("models/seqcls/safetensors")
    #expect(try TokenDecoder(tokenizer: try WordPieceTokenizer(directory: seqcls), directory: seqcls).cleanUpTokenizationSpaces)
  }
}
