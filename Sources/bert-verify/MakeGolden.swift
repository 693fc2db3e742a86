import ArgumentParser
import BERT
import CLISupport
import Checkpoint
import Convert
import Foundation
import Support

extension BertVerify {
  /// `bert-verify golden MODEL --texts FILE -o GOLDEN.safetensors`: the reference outputs of transformers (and
  /// sentence-transformers) for the user's own model, as a golden file of docs/GOLDEN.md.
  struct MakeGolden: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "golden",
      abstract: "Make a golden for a model: tokenize texts, run transformers on them, write the inputs and outputs.",
      discussion: """
        The texts are tokenized by the model's HuggingFace tokenizer and run through transformers' class from
        config.json's architectures in float32 with eager attention (and through sentence-transformers when the
        model directory has a modules.json), in Python: $\(ReferencePython.environmentVariable) if set, else a
        pinned virtualenv created on first use in ~/.cache/bertweights/reference-venv ($XDG_CACHE_HOME respected).
        A Keras .h5 is read with h5py and mapped by transformers' TF → PyTorch names; a single file, or a checkpoint
        transformers cannot load as it is, is first converted by this tool's converter (the golden's metadata says so). Check the model later with
        bert-verify MODEL --golden GOLDEN. docs/GOLDEN.md describes the file.
        """)

    /// The most texts one golden holds (they form one padded batch).
    static let maxTexts = 4096
    /// The largest texts file read (it is read whole).
    static let maxTextsBytes = 16 << 20

    @OptionGroup var model: ModelOptions

    @Option(help: ArgumentHelp("A UTF-8 file with one text per line (with --pairs, a TAB between the two texts of a pair). Empty lines are skipped.", valueName: "file"))
    var texts: String?

    @Option(name: .customLong("text"), help: ArgumentHelp("A text (repeatable; with --pairs, a TAB separates the pair).", valueName: "text"))
    var textArguments: [String] = []

    @Flag(help: "Split each line (or --text) at its first TAB into a sentence pair; a line without a TAB stays a single text.")
    var pairs = false

    @Option(name: .shortAndLong, help: ArgumentHelp("The golden to write (a .safetensors file).", valueName: "golden"))
    var output: String?

    @Flag(help: "Print the Python reference script and exit.")
    var printScript = false

    @Flag(help: "Also store hidden_states.0 … L, so that a mismatch names the first divergent layer.")
    var hiddenStates = false

    @Option(help: "The golden's absolute tolerance (default 1e-4).")
    var atol: String = "1e-4"

    @Option(help: "The golden's relative tolerance (default 1e-3).")
    var rtol: String = "1e-3"

    @Option(help: ArgumentHelp("The directory holding the tokenizer files (default: the model's directory).", valueName: "dir"))
    var tokenizer: String?

    @Flag(help: "Replace an existing output file.")
    var force = false

    func validate() throws {
      if printScript { return }
      guard output != nil else { throw ValidationError("Missing expected argument '--output <golden>'") }
      guard (texts == nil) != textArguments.isEmpty else { throw ValidationError("Give either --texts <file> or one or more --text <text>") }
      for (name, value) in [("atol", atol), ("rtol", rtol)] {
        guard let number = Double(value), number.isFinite, number >= 0 else {
          throw ValidationError("--\(name) must be a non-negative decimal number, not '\(value)'")
        }
      }
    }

    func run() throws {
      if printScript { return print(GoldenReferenceScript.source, terminator: "") }
      guard let output else { throw ValidationError("Missing expected argument '--output <golden>'") }
      let fm = FileManager.default
      guard fm.fileExists(atPath: model.model) else { throw ReferenceError("\(model.model): no such file or directory") }
      if fm.fileExists(atPath: output) && !force {
        throw ReferenceError("\(output): already exists (use --force to replace it)")
      }
      let parent = URL(fileURLWithPath: output).standardizedFileURL.deletingLastPathComponent().path
      var isDirectory: ObjCBool = false
      guard fm.fileExists(atPath: parent, isDirectory: &isDirectory), isDirectory.boolValue else {
        throw ReferenceError("\(output): the directory \(parent) does not exist")
      }
      let rows = try readRows()
      let tokenizerDirectory = tokenizer ?? TextInput.tokenizerDirectory(for: model.model)
      guard ["tokenizer.json", "vocab.txt", "tokenizer_config.json"].contains(where: { fm.fileExists(atPath: tokenizerDirectory + "/" + $0) }) else {
        throw ReferenceError("\(tokenizerDirectory): no tokenizer (tokenizer.json, vocab.txt or tokenizer_config.json) beside the model; name its directory with --tokenizer")
      }
      let python = try ReferencePython.resolve()

      let work = NSTemporaryDirectory() + "/bertweights-golden-" + UUID().uuidString.prefix(8)
      try fm.createDirectory(atPath: work, withIntermediateDirectories: true)
      defer { try? fm.removeItem(atPath: work) }
      let script = work + "/golden_reference.py"
      try GoldenReferenceScript.source.write(toFile: script, atomically: false, encoding: .utf8)

      // The golden is written beside OUTPUT under a hidden name, checked, then renamed into place.
      let url = URL(fileURLWithPath: output).standardizedFileURL
      let staging = url.deletingLastPathComponent().path + "/." + url.lastPathComponent + ".tmp-" + UUID().uuidString.prefix(8)
      defer { try? fm.removeItem(atPath: staging) }

      let modelDirectory = TextInput.tokenizerDirectory(for: model.model)
      var (weights, note) = try weightsDirectory(work: work)
      var result = try reference(python: python, script: script, work: work, rows: rows, modelDirectory: modelDirectory,
                                 weights: weights, note: note, tokenizerDirectory: tokenizerDirectory, staging: staging)
      if result.status == 3 && weights == modelDirectory {
        // transformers cannot load the directory as it is (a pickle its weights-only loader refuses, a wrapped
        // state dict, …): convert it with our converter and ask again.
        let why = lastErrorLine(result.stderr)
        printError("note: \(why); converting the checkpoint with bert-convert's converter for the reference")
        (weights, note) = try convertedWeights(work: work, reason: "transformers could not load it as it is")
        result = try reference(python: python, script: script, work: work, rows: rows, modelDirectory: modelDirectory,
                               weights: weights, note: note, tokenizerDirectory: tokenizerDirectory, staging: staging)
      }
      guard result.status == 0 else {
        throw ReferenceError("reference (\(python)): " + lastErrorLine(result.stderr))
      }

      let golden = try Golden(path: staging)
      guard rename(staging, url.path) == 0 else {
        throw ReferenceError("\(output): cannot move the golden into place: \(String(cString: strerror(errno)))")
      }
      let outputs = golden.outputs.map(\.name).joined(separator: ", ")
      print("wrote \(output): batch \(golden.input.batch) × \(golden.input.sequence), outputs \(outputs)")
      print("reference: \(golden.metadata["reference"] ?? "?"); tokenizer \(golden.metadata["tokenizer"] ?? "?"); weights \(note)")
      print("tolerance: atol \(atol), rtol \(rtol)")
      checkOurTokenizer(golden, directory: tokenizerDirectory, goldenPath: output)
    }

    /// The rows of --texts or --text: a text, or a pair with --pairs.
    private func readRows() throws -> [(String, String?)] {
      var lines = textArguments
      if let texts {
        let size = (try? FileManager.default.attributesOfItem(atPath: texts)[.size] as? Int) ?? 0
        guard size <= Self.maxTextsBytes else {
          throw ReferenceError("\(texts): \(size) bytes; a texts file holds at most \(Self.maxTextsBytes)")
        }
        guard let data = FileManager.default.contents(atPath: texts) else { throw ReferenceError("\(texts): cannot read the texts file") }
        guard let text = String(data: data, encoding: .utf8) else { throw ReferenceError("\(texts): not UTF-8") }
        // Lines end at LF or CR LF (one Character in Swift); other line separators stay inside a text.
        lines = text.split(whereSeparator: { $0 == "\n" || $0 == "\r\n" }).map(String.init).filter { !$0.isEmpty }
        guard !lines.isEmpty else { throw ReferenceError("\(texts): no texts (one per line)") }
      }
      guard lines.count <= Self.maxTexts else {
        throw ReferenceError("\(texts ?? "--text"): \(lines.count) texts; a golden holds at most \(Self.maxTexts)")
      }
      return lines.map { line in
        guard pairs, let tab = line.firstIndex(of: "\t") else { return (line, nil) }
        return (String(line[..<tab]), String(line[line.index(after: tab)...]))
      }
    }

    /// The directory transformers loads: the model directory when it holds safetensors or PyTorch weights and a
    /// config.json, else a conversion by our converter (Keras .h5, a single file, a sharded index).
    private func weightsDirectory(work: String) throws -> (String, String) {
      var isDirectory: ObjCBool = false
      if FileManager.default.fileExists(atPath: model.model, isDirectory: &isDirectory), isDirectory.boolValue,
         FileManager.default.fileExists(atPath: model.model + "/config.json") {
        let checkpoint = try Checkpoint.open(model.model, from: model.from)
        if checkpoint.format.family != .tf {
          return (model.model, "loaded by transformers from the \(checkpoint.format.rawValue) checkpoint as it is")
        }
        // transformers 4.57's from_pretrained(from_tf=True) leaves parameters on the meta device: the script
        // reads the .h5 with h5py and maps the names with transformers' TF → PyTorch mapping instead.
        return (model.model, "read from the Keras .h5 checkpoint with h5py and mapped onto PyTorch by transformers' TF 2.0 → PyTorch names (no TensorFlow)")
      }
      return try convertedWeights(work: work, reason: "transformers loads model directories, not single files")
    }

    private func convertedWeights(work: String, reason: String) throws -> (String, String) {
      let directory = work + "/converted"
      try? FileManager.default.removeItem(atPath: directory)
      let report = try Conversion.run(source: model.model, output: directory, from: model.from)
      _ = report
      let format = (try? Checkpoint.open(model.model, from: model.from).format.rawValue) ?? "checkpoint"
      return (directory, "converted from the \(format) checkpoint to safetensors by bert-verify golden (bert-convert's converter) before transformers loaded them (\(reason)); the reference shares our converter")
    }

    private func reference(python: String, script: String, work: String, rows: [(String, String?)], modelDirectory: String,
                           weights: String, note: String, tokenizerDirectory: String, staging: String) throws -> Subprocess.Result {
      let texts: [JSONValue] = rows.map { row in
        row.1.map { .array([.string(row.0), .string($0)]) } ?? .string(row.0)
      }
      let request: JSONValue = .object([
        ("model_dir", .string(absolute(modelDirectory))),
        ("weights_dir", .string(absolute(weights))),
        ("tokenizer_dir", .string(absolute(tokenizerDirectory))),
        ("texts", .array(texts)),
        ("hidden_states", .bool(hiddenStates)),
        ("atol", .string(atol)),
        ("rtol", .string(rtol)),
        ("output", .string(staging)),
        ("tool", .string("bert-verify \(BertVerify.configuration.version)")),
        ("weights_note", .string(note)),
        ("keras", .bool(weights == model.model && (try? Checkpoint.open(model.model, from: model.from).format.family) == .tf)),
      ])
      let requestPath = work + "/request.json"
      try request.canonicalText.write(toFile: requestPath, atomically: false, encoding: .utf8)
      return try Subprocess.run(python, ["-I", script, requestPath], environment: [
        "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1", "USE_TF": "0", "USE_FLAX": "0",
        "USE_TORCH": "1", "TF_CPP_MIN_LOG_LEVEL": "3", "TOKENIZERS_PARALLELISM": "false", "CUDA_VISIBLE_DEVICES": "",
        "PYTHONHASHSEED": "0", "TRANSFORMERS_VERBOSITY": "error",
      ])
    }

    /// Re-tokenizes the golden's texts with bert-verify's own tokenizer, as `bert-verify --golden` will, and says
    /// whether the ids agree with HuggingFace's.
    private func checkOurTokenizer(_ golden: Golden, directory: String, goldenPath: String) {
      do {
        guard let ours = try TextInput.tokenizer(for: directory) else { return }
        if let mismatch = try TextInput.mismatch(ours, golden: golden, goldenPath: goldenPath) {
          printError("warning: bert-verify's tokenizer disagrees with HuggingFace's: \(mismatch); verifying with this golden will report a tokenizer mismatch")
        } else {
          print("tokenizer: bert-verify's tokenizer gives the same ids (\(ours.source))")
        }
      } catch {
        printError("note: bert-verify cannot read this tokenizer (\(error)); verifying will not re-tokenize the texts")
      }
    }

    private func absolute(_ path: String) -> String {
      URL(fileURLWithPath: path).standardizedFileURL.path
    }

    /// The child's last `error:` line (or its last line), for our one-line error.
    private func lastErrorLine(_ stderr: String) -> String {
      let lines = stderr.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
      let line = lines.last { $0.hasPrefix("error: ") }.map { String($0.dropFirst("error: ".count)) } ?? lines.last ?? "no message"
      return escapingControlCharacters(line)
    }
  }
}
