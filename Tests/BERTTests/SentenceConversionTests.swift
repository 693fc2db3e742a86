import Foundation
import Models
import SafeTensors
import Testing
import TestSupport
@testable import BERT
@testable import Convert

/// Conversion keeps the sentence-transformers pipeline: the embeddings of OUT are those of SOURCE, bit for bit.
@Suite("Sentence conversion")
struct SentenceConversionTests {
  static let variants = ["st-cls-dense", "st-max", "st-meansqrt", "st-mpnet"].flatMap { m in ["safetensors", "bin", "h5"].map { (m, $0) } }
  static let texts = ["The quick dog jumped over the lazy cats!", "Is the old cat happy?", "Hello Café", "yes", ""]

  /// The library's embeddings of `texts` for `model`, with the tokenizer of `tokenizerDirectory`.
  func embed(_ model: String, tokenizerDirectory: String? = nil) throws -> [Float] {
    let encoder = try SentenceEncoder.load(model)
    let tokenizer = try encoder.tokenizer(directory: tokenizerDirectory ?? SentenceEncoder.directory(of: model))
    return try encoder.embed(SentenceConversionTests.texts, tokenizer: tokenizer, batchSize: 2).values
  }

  @Test("a directory output carries modules.json, the configs and every module folder; embed(OUT) == embed(SOURCE)", arguments: variants)
  func directory(model: String, variant: String) throws {
    let dir = TemporaryDirectory()
    let source = Fixtures.path("models/\(model)/\(variant)")
    let out = dir.file("out")
    try Conversion.run(source: source, output: out)
    for name in ["modules.json", "config_sentence_transformers.json", "sentence_bert_config.json", "1_Pooling/config.json"] {
      #expect(FileManager.default.fileExists(atPath: out + "/" + name), "\(name) missing")
      #expect(FileManager.default.contents(atPath: out + "/" + name) == FileManager.default.contents(atPath: source + "/" + name), "\(name) changed")
    }
    if model == "st-cls-dense" {
      let (tensors, metadata) = try readTensors(out + "/2_Dense/model.safetensors")
      #expect(tensors.map(\.name) == ["linear.weight", "linear.bias"] && tensors.allSatisfy { $0.dtype == .f32 })
      #expect(metadata == ["format": "pt"])
      #expect(FileManager.default.fileExists(atPath: out + "/3_Normalize"))
      #expect(!FileManager.default.fileExists(atPath: out + "/2_Dense/pytorch_model.bin"))
    }
    #expect(try embed(out) == (try embed(source)))
  }

  @Test("a single file records the pipeline in __metadata__; embed on the lone file == embed(SOURCE)", arguments: ["st-max", "st-meansqrt"])
  func singleFile(model: String) throws {
    let dir = TemporaryDirectory()
    let source = Fixtures.path("models/\(model)/bin")
    try Conversion.run(source: source, output: dir.file("model.safetensors"))
    let (_, metadata) = try readTensors(dir.file("model.safetensors"))
    let recorded = try #require(metadata[SentencePipelineConfig.metadataKey])
    let expected = try SentencePipelineConfig(directory: source).metadataJSON
    #expect(recorded == expected?.canonicalText)
    // A directory holding only the file and the tokenizer: no modules.json, no config.json.
    for name in ["vocab.txt", "tokenizer_config.json"] {
      try FileManager.default.copyItem(atPath: source + "/" + name, toPath: dir.file(name))
    }
    let encoder = try SentenceEncoder.load(dir.file("model.safetensors"))
    #expect(encoder.origin == .metadata(dir.file("model.safetensors")))
    #expect(try embed(dir.file("model.safetensors")) == (try embed(source)))
  }

  @Test("converting again with --force into the same directory replaces the module folders; nothing is left staged")
  func forceAgain() throws {
    let dir = TemporaryDirectory()
    let out = dir.file("out")
    try Conversion.run(source: Fixtures.path("models/st-max/bin"), output: out)
    try Conversion.run(source: Fixtures.path("models/st-cls-dense/bin"), output: out, force: true)
    #expect(try embed(out) == (try embed(Fixtures.path("models/st-cls-dense/bin"))))
    try Conversion.run(source: Fixtures.path("models/st-cls-dense/h5"), output: out, force: true)
    #expect(try FileManager.default.contentsOfDirectory(atPath: out).filter { $0.hasPrefix(".") }.isEmpty)
    #expect(try FileManager.default.contentsOfDirectory(atPath: out + "/2_Dense").sorted() == ["config.json", "model.safetensors"])
  }

  @Test("a pipeline with a Dense module refuses a single-file output, naming modules.json")
  func denseSingleFile() throws {
    let dir = TemporaryDirectory()
    #expect {
      try Conversion.run(source: Fixtures.path("models/st-cls-dense/safetensors"), output: dir.file("x.safetensors"))
    } throws: { error in
      "\(error)".contains("modules.json") && "\(error)".contains("Dense")
    }
    #expect(!FileManager.default.fileExists(atPath: dir.file("x.safetensors")))
  }

  @Test("all-MiniLM-L6-v2 converted to a directory and to a lone file embeds bit for bit as the source")
  func minilm() throws {
    guard let source = minilmDirectory() else { return }
    let dir = TemporaryDirectory()
    try Conversion.run(source: source, output: dir.file("out"))
    #expect(try embed(dir.file("out")) == (try embed(source)))
    try FileManager.default.createDirectory(atPath: dir.file("lone"), withIntermediateDirectories: false)
    try Conversion.run(source: source, output: dir.file("lone/model.safetensors"))
    #expect(try embed(dir.file("lone/model.safetensors"), tokenizerDirectory: source) == (try embed(source)))
  }

  /// SentenceTransformer(OUT) equals SentenceTransformer(SOURCE) within 1e-6 (needs torch + sentence-transformers).
  @Test("sentence-transformers loads converted directories with the source's embeddings")
  func sentenceTransformersLoads() throws {
    guard let python = ProcessInfo.processInfo.environment["BERTWEIGHTS_TORCH_PYTHON"],
          (try? run(python, ["-c", "import sentence_transformers"]))?.status == 0 else {
      print("note: SentenceTransformer(OUT) check NOT RUN (set BERTWEIGHTS_TORCH_PYTHON to a Python with sentence-transformers)")
      return
    }
    let dir = TemporaryDirectory()
    // (source loaded by sentence-transformers, converted output): TF sources are compared with their safetensors twin.
    var pairs: [(String, String)] = []
    for (model, variant) in [("st-cls-dense", "bin"), ("st-cls-dense", "h5"), ("st-max", "safetensors"), ("st-meansqrt", "bin")] {
      let out = dir.file("\(model)-\(variant)")
      try Conversion.run(source: Fixtures.path("models/\(model)/\(variant)"), output: out)
      pairs.append((Fixtures.path("models/\(model)/\(variant == "h5" ? "safetensors" : variant)"), out))
    }
    if let minilm = minilmDirectory() {
      try Conversion.run(source: minilm, output: dir.file("minilm"))
      pairs.append((minilm, dir.file("minilm")))
    }
    let script = """
      import sys
      from sentence_transformers import SentenceTransformer
      texts = ["The quick dog jumped over the lazy cats!", "Is the old cat happy?", "Hello Café", "yes", ""]
      args = sys.argv[1:]
      for source, out in zip(args[0::2], args[1::2]):
          a, b = SentenceTransformer(source, device="cpu"), SentenceTransformer(out, device="cpu")
          assert [type(m).__name__ for m in a] == [type(m).__name__ for m in b], (a, b)
          assert a.max_seq_length == b.max_seq_length, (a.max_seq_length, b.max_seq_length)
          diff = abs(a.encode(texts) - b.encode(texts)).max()
          assert diff <= 1e-6, (out, diff)
          print(out, diff)
      """
    let result = try run(python, ["-c", script] + pairs.flatMap { [$0.0, $0.1] },
                         environment: ["HF_HUB_OFFLINE": "1", "TF_CPP_MIN_LOG_LEVEL": "3", "USE_TF": "0", "USE_TORCH": "1"])
    #expect(result.status == 0, "\(result.stderr.suffix(2000))")
    #expect(result.stdout.split(separator: "\n").count == pairs.count)
  }
}
