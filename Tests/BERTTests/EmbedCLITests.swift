import Foundation
import Testing
import TestSupport
@testable import BERT

/// `bert-verify embed` as users meet it.
@Suite("bert-verify embed")
struct EmbedCLITests {
  let tool = Binaries.path("bert-verify")
  static let texts = ["The quick dog jumped over the lazy cats!", "Is the old cat happy?", "Hello Café", "yes"]

  func parse(_ stdout: String) -> [[Float]] {
    stdout.split(separator: "\n").map { line in
      (try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [Double])?.map { Float($0) } ?? []
    }
  }

  @Test("embed prints the golden's sentence embeddings, one JSON array per line in input order, from every variant")
  func goldens() throws {
    for model in ["st-cls-dense", "st-max", "st-meansqrt", "st-mpnet"] {
      let golden = try Golden(path: goldenPath(model))
      let expected = try #require(golden.outputs.first { $0.name == "sentence_embedding" })
      let width = expected.shape[1]
      for variant in ["safetensors", "bin", "h5"] {
        let result = try run(tool, ["embed", Fixtures.path("models/\(model)/\(variant)"), "--batch", "3"],
                             input: EmbedCLITests.texts.joined(separator: "\n") + "\n")
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.isEmpty, "\(result.stderr)")
        let rows = parse(result.stdout)
        #expect(rows.count == 4 && rows.allSatisfy { $0.count == width })
        for (b, row) in rows.enumerated() {
          let reference = expected.values[(b * width)..<((b + 1) * width)]
          #expect(zip(row, reference).allSatisfy { abs($0 - $1) <= 1e-5 }, "\(model)/\(variant) row \(b)")
        }
      }
    }
  }

  @Test("a plain model: mean pooling with one note on stderr; --pooling and --normalize change the vectors")
  func options() throws {
    let base = Fixtures.path("models/base/safetensors")
    let input = "The quick dog jumped over the lazy cats!\n"
    let auto = try run(tool, ["embed", base], input: input)
    #expect(auto.status == 0)
    #expect(auto.stderr.contains("mean pooling") && auto.stderr.split(separator: "\n").count == 1)
    let mean = try run(tool, ["embed", base, "--pooling", "mean"], input: input)
    #expect(mean.stdout == auto.stdout && mean.stderr.isEmpty)
    let normalized = parse(try run(tool, ["embed", base, "--normalize"], input: input).stdout)[0]
    let norm = normalized.reduce(0) { $0 + Double($1) * Double($1) }.squareRoot()
    #expect(abs(norm - 1) < 1e-6)
    let pooler = parse(try run(tool, ["embed", base, "--pooling", "pooler"], input: input).stdout)[0]
    let cls = parse(try run(tool, ["embed", base, "--pooling", "cls"], input: input).stdout)[0]
    #expect(pooler.count == 32 && cls.count == 32 && pooler != cls)
    #expect(pooler.allSatisfy { abs($0) <= 1 })  // tanh
    // The model's own Normalize dropped by --no-normalize.
    let dense = Fixtures.path("models/st-cls-dense/safetensors")
    let raw = parse(try run(tool, ["embed", dense, "--no-normalize"], input: input).stdout)[0]
    #expect(abs(raw.reduce(0) { $0 + Double($1) * Double($1) }.squareRoot() - 1) > 1e-3)
  }

  @Test("bert-verify MODEL --text on a sentence-transformers model prints its sentence embedding, not the pooler")
  func textRun() throws {
    let result = try run(tool, [Fixtures.path("models/st-cls-dense/safetensors"), "--text", "yes"])
    #expect(result.status == 0, "\(result.stderr)")
    let golden = try Golden(path: goldenPath("st-cls-dense"))
    let expected = try #require(golden.outputs.first { $0.name == "sentence_embedding" }).values
    let line = try #require(result.stdout.split(separator: "\n").first { $0.hasPrefix("sentence embedding (Transformer → Pooling(cls) → Dense(16→8, tanh) → Normalize") })
    let values = line.split(separator: ":").last!.split(separator: " ").compactMap { Float($0) }
    // "yes" is the golden's fourth text.
    #expect(values.count == 8 && zip(values, expected[24..<32]).allSatisfy { abs($0 - $1) <= 1e-5 })
  }

  @Test("--output writes .safetensors and .npy files with the stdout values; bad options are exit 2")
  func outputs() throws {
    let dir = TemporaryDirectory()
    let model = Fixtures.path("models/st-max/bin")
    let input = EmbedCLITests.texts.joined(separator: "\n") + "\n"
    let lines = parse(try run(tool, ["embed", model], input: input).stdout)
    let st = try run(tool, ["embed", model, "--output", dir.file("e.safetensors")], input: input)
    #expect(st.status == 0 && st.stdout.isEmpty)
    let (tensors, _) = try readTensors(dir.file("e.safetensors"))
    #expect(tensors.map(\.name) == ["sentence_embedding"] && tensors[0].shape == [4, 16])
    #expect(tensors[0].floats == lines.flatMap { $0 })
    #expect(try run(tool, ["embed", model, "--output", dir.file("e.npy")], input: input).status == 0)
    let npy = try Data(contentsOf: URL(fileURLWithPath: dir.file("e.npy")))
    #expect(npy.prefix(6) == Data([0x93]) + Data("NUMPY".utf8))
    let headerLength = Int(npy[8]) | Int(npy[9]) << 8
    #expect((10 + headerLength) % 64 == 0)
    #expect(String(decoding: npy[10..<(10 + headerLength)], as: UTF8.self).contains("'shape': (4, 16)"))
    let floats = npy.dropFirst(10 + headerLength).withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
    #expect(floats == lines.flatMap { $0 })
    #expect(try run(tool, ["embed", model, "--output", dir.file("e.txt")], input: input).status == 2)
    #expect(try run(tool, ["embed", model, "--pooling", "median"], input: input).status == 2)
    #expect(try run(tool, ["embed", model, "--batch", "0"], input: input).status == 2)
    let noTokenizer = try run(tool, ["embed", Fixtures.path("models/seqcls/bin")], input: input)
    #expect(noTokenizer.status == 2 && noTokenizer.stderr.contains("no tokenizer"))
  }

  /// Every pooling mode against sentence-transformers' encode(), on the tiny st-max and st-mpnet encoders and (when installed)
  /// all-MiniLM-L6-v2. Needs torch + sentence-transformers (`BERTWEIGHTS_TORCH_PYTHON`).
  @Test("embed equals sentence-transformers' encode() within 1e-5 for every pooling mode")
  func againstSentenceTransformers() throws {
    guard let python = ProcessInfo.processInfo.environment["BERTWEIGHTS_TORCH_PYTHON"],
          (try? run(python, ["-c", "import sentence_transformers"]))?.status == 0 else {
      print("note: sentence-transformers encode() check NOT RUN (set BERTWEIGHTS_TORCH_PYTHON to a Python with sentence-transformers)")
      return
    }
    var models = [Fixtures.path("models/st-max/safetensors"), Fixtures.path("models/st-mpnet/safetensors")]
    if let minilm = minilmDirectory() { models.append(minilm) }
    let texts = EmbedCLITests.texts + ["  leading and trailing spaces  ", ""]
    let input = texts.joined(separator: "\n") + "\n"
    let script = """
      import sys, json
      from sentence_transformers import SentenceTransformer
      from sentence_transformers.models import Pooling, Normalize
      st = SentenceTransformer(sys.argv[1], device="cpu")
      texts = sys.stdin.read().split("\\n")[:-1]
      out = {"auto": st.encode(texts).tolist()}
      for mode in ["cls", "mean", "max", "mean_sqrt_len_tokens", "weightedmean", "lasttoken"]:
          m = SentenceTransformer(modules=[st[0], Pooling(st[0].auto_model.config.hidden_size, pooling_mode=mode)], device="cpu")
          out[mode] = m.encode(texts).tolist()
      print(json.dumps(out))
      """
    for model in models {
      let reference = try run(python, ["-c", script, model], input: input, environment: ["HF_HUB_OFFLINE": "1", "TF_CPP_MIN_LOG_LEVEL": "3", "USE_TF": "0", "USE_TORCH": "1"])
      #expect(reference.status == 0, "\(reference.stderr.suffix(2000))")
      let json = try #require(try JSONSerialization.jsonObject(with: Data(reference.stdout.utf8)) as? [String: [[Double]]])
      for (mode, flag) in [("auto", "auto"), ("cls", "cls"), ("mean", "mean"), ("max", "max"), ("mean_sqrt_len_tokens", "mean-sqrt-len"),
                           ("weightedmean", "weightedmean"), ("lasttoken", "lasttoken")] {
        let ours = parse(try run(tool, ["embed", model, "--pooling", flag], input: input).stdout)
        let theirs = try #require(json[mode])
        #expect(ours.count == theirs.count)
        let worst = zip(ours, theirs).flatMap { zip($0, $1).map { abs(Double($0) - $1) } }.max() ?? .nan
        #expect(worst <= 1e-5, "\(model) \(mode): \(worst)")
      }
    }
    // A default prompt whose tokens include_prompt false leaves out of the pooling.
    let dir = TemporaryDirectory()
    let prompted = try copyFixture("models/st-meansqrt/safetensors", into: dir)
    try editJSON(prompted + "/config_sentence_transformers.json", ["prompts": ["query": "the cat: "], "default_prompt_name": "query"])
    try editJSON(prompted + "/1_Pooling/config.json", ["include_prompt": false])
    let reference = try run(python, ["-c", script, prompted], input: input, environment: ["HF_HUB_OFFLINE": "1", "TF_CPP_MIN_LOG_LEVEL": "3", "USE_TF": "0", "USE_TORCH": "1"])
    let json = try #require(try JSONSerialization.jsonObject(with: Data(reference.stdout.utf8)) as? [String: [[Double]]])
    let ours = parse(try run(tool, ["embed", prompted], input: input).stdout)
    let worst = zip(ours, try #require(json["auto"])).flatMap { zip($0, $1).map { abs(Double($0) - $1) } }.max() ?? .nan
    #expect(ours.count == texts.count && worst <= 1e-5, "prompted: \(worst)")
  }
}
