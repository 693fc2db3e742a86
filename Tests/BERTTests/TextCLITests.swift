import Foundation
import SafeTensors
import Testing
import TestSupport
@testable import BERT

/// bert-verify with text: --text, tokenize, and re-tokenizing a golden's texts.
@Suite("bert-verify text")
struct TextCLITests {
  let tool = Binaries.path("bert-verify")

  @Test("--text prints the logits transformers gave for that text, softmax probabilities and the label")
  func text() throws {
    let result = try run(tool, [Fixtures.path("models/seqcls/safetensors"), "--text", "The quick dog jumped over the lazy cats!"])
    #expect(result.status == 0, "\(result.stderr)")
    let line = try #require(result.stdout.split(separator: "\n").first { $0.hasPrefix("logits:") })
    let ours = line.drop { $0 != "[" }.dropFirst().dropLast().split(separator: ",").compactMap { Float($0.trimmingCharacters(in: .whitespaces)) }
    // Row 0 of the seqcls golden was tokenized from this very text.
    let golden = try SafeTensorsFile(path: Fixtures.path("models/seqcls/golden.safetensors"))
    let logits = try golden.tensor(named: "logits").withUnsafeBytes { Array($0.bindMemory(to: Float.self).prefix(3)) }
    #expect(ours.count == 3)
    for (a, b) in zip(ours, logits) { #expect(abs(a - b) <= 1e-5) }
    #expect(result.stdout.contains("probabilities (softmax)"))
    #expect(result.stdout.contains("negative") && result.stdout.contains("positive"))
    #expect(result.stdout.contains("label:"))
  }

  @Test("--text with a pair, and on a model without a classifier")
  func pairAndBase() throws {
    let pair = try run(tool, [Fixtures.path("models/seqcls/safetensors"), "--text", "Is the old cat happy?", "--text-pair", "Yes, very."])
    #expect(pair.status == 0, "\(pair.stderr)")
    let base = try run(tool, [Fixtures.path("models/minilm"), "--text", "hello"])
    // The MiniLM directory has a tokenizer but no weights: a clean exit 2 naming the directory.
    #expect(base.status == 2)
    #expect(base.stderr.contains("minilm"))
  }

  @Test("--text without a tokenizer beside the model, or with --golden too, is exit 2")
  func refusals() throws {
    let dir = TemporaryDirectory()
    let model = dir.file("m.safetensors")
    #expect(try run(Binaries.path("bert-convert"), [Fixtures.path("models/seqcls/safetensors"), "-o", model]).status == 0)
    let none = try run(tool, [model, "--text", "hi"])
    #expect(none.status == 2)
    #expect(none.stderr.contains("tokenizer"))
    #expect(try run(tool, [model, "--text", "hi", "--golden", Fixtures.path("models/seqcls/golden.safetensors")]).status == 2)
    #expect(try run(tool, [model, "--text-pair", "hi"]).status == 2)
  }

  @Test("tokenize prints HF's ids, one JSON array per line, singles and TAB-separated pairs")
  func tokenize() throws {
    let corpus = try #require(FileManagerShim.read(Fixtures.path("tokenizer/corpus.jsonl")))
    let compressed = try #require(FileManagerShim.read(Fixtures.path("tokenizer/ids-uncased.jsonl.zlib")))
    let ids = Data(try Inflate.zlib([UInt8](compressed)))
    let records = corpus.split(separator: UInt8(ascii: "\n")).prefix(400).map { try! JSONSerialization.jsonObject(with: Data($0)) as! [String: Any] }
    let expected = ids.split(separator: UInt8(ascii: "\n")).prefix(400).map { try! JSONSerialization.jsonObject(with: Data($0)) as! [Any] }
    // Lines with a newline or TAB inside, or an explicit max_length, cannot go through stdin as one line.
    var lines: [String] = []
    var wanted: [[Int]] = []
    for (record, ids) in zip(records, expected) {
      let a = record["a"] as? String ?? ""
      let b = record["b"] as? String
      let texts = [a] + (b.map { [$0] } ?? [])
      guard record["max_length"] == nil, !texts.contains(where: { $0.contains("\n") || $0.contains("\r") || $0.contains("\t") }) else { continue }
      lines.append(b.map { a + "\t" + $0 } ?? a)
      wanted.append(ids[0] as! [Int])
    }
    #expect(lines.count > 200)
    let result = try run(tool, ["tokenize", Fixtures.path("models/minilm"), "--pair"], input: lines.joined(separator: "\n") + "\n")
    #expect(result.status == 0, "\(result.stderr)")
    let got = result.stdout.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map {
      try! JSONSerialization.jsonObject(with: Data($0.utf8)) as! [Int]
    }
    #expect(got.count == wanted.count)
    for (i, (g, w)) in zip(got, wanted).enumerated() where g != w {
      Issue.record("line \(i) '\(lines[i])': got \(g), HF \(w)")
      break
    }
  }

  @Test("a golden whose texts do not re-tokenize to its input_ids fails with exit 1 naming the text")
  func retokenize() throws {
    let dir = TemporaryDirectory()
    var (tensors, metadata) = try readTensors(goldenPath("seqcls"))
    metadata["texts"] = #"["The quick dog jumped over the lazy cat!", ["Is the old cat happy?", "Yes, very."], ["Hello Café", "zebra"]]"#
    let golden = dir.file("golden.safetensors")
    try writeTensors(tensors, metadata: metadata, to: golden)
    let result = try run(tool, [Fixtures.path("models/seqcls/safetensors"), "--golden", golden])
    #expect(result.status == 1)
    #expect(result.stderr.contains("lazy cat!"))
    let good = try run(tool, [Fixtures.path("models/seqcls/safetensors"), "--golden", goldenPath("seqcls")])
    #expect(good.status == 0)
    #expect(good.stdout.contains("re-tokenize to its input_ids"))
    tensors.removeAll()
  }
}
