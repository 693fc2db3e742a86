import ArgumentParser
import BERT
import CLISupport
import Foundation
import SafeTensors

extension SentencePooling: ExpressibleByArgument {
  public init?(argument: String) { self.init(name: argument) }

  public static var allValueStrings: [String] { ["auto", "cls", "pooler", "mean", "max", "mean-sqrt-len", "weightedmean", "lasttoken"] }
}

extension BertVerify {
  /// `bert-verify embed MODEL`: one sentence embedding per stdin line (README "Sentence embeddings").
  struct Embed: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Embed stdin lines as sentence-transformers does; print one JSON array of floats per line.",
      discussion: """
        --pooling auto (the default) runs the model's own sentence-transformers pipeline (modules.json beside the model, or \
        the pipeline a canonical file recorded), else mean pooling as sentence-transformers does for a plain model (said \
        on stderr). Any other --pooling replaces the pipeline's Pooling, Dense and Normalize modules.
        """)

    @OptionGroup var model: ModelOptions

    @Option(help: ArgumentHelp("How token vectors become one vector: auto, cls, pooler, mean, max, mean-sqrt-len, weightedmean, lasttoken.", valueName: "mode"))
    var pooling: SentencePooling = .auto

    @Flag(inversion: .prefixedNo, help: "L2-normalise each embedding (default: as the pipeline does; no for an explicit --pooling).")
    var normalize: Bool?

    @Option(help: "Texts per forward pass.")
    var batch = 32

    @Option(help: ArgumentHelp("Write the embeddings to FILE.safetensors (tensor sentence_embedding, F32 [N, D]) or FILE.npy instead of stdout.", valueName: "file"))
    var output: String?

    func validate() throws {
      guard batch >= 1 && batch <= 4096 else { throw ValidationError("--batch must be from 1 to 4096") }
      if let output, !(output.hasSuffix(".safetensors") || output.hasSuffix(".npy")) {
        throw ValidationError("--output must end in .safetensors or .npy")
      }
    }

    mutating func run() throws {
      try model.resolveModelID()
      let session = try SentenceSession(model: model)
      session.noteOrigin(pooling: pooling)
      var texts: [String] = []
      while let line = readLine(strippingNewline: true) { texts.append(line) }
      guard !texts.isEmpty else { return }
      let showProgress = stderrIsTerminal && texts.count > batch
      let result = try session.encoder.embed(texts, tokenizer: session.tokenizer, pooling: pooling, normalize: normalize, batchSize: batch) { done in
        if showProgress { FileHandle.standardError.write(Data("\rembedded \(done)/\(texts.count)".utf8)) }
      }
      if showProgress { FileHandle.standardError.write(Data("\n".utf8)) }
      if let output {
        try EmbeddingFile.write(result.values, rows: texts.count, width: result.width, to: output)
        printError("wrote \(output): \(texts.count) × \(result.width) F32")
        return
      }
      var out = ""
      for row in 0..<texts.count {
        out += JSONFloats.array(result.values[(row * result.width)..<((row + 1) * result.width)]) + "\n"
        if out.utf8.count > 1 << 16 {
          print(out, terminator: "")
          out = ""
        }
      }
      print(out, terminator: "")
    }
  }
}

/// The model, its pipeline and its tokenizer, as embed, similarity and explain use them.
struct SentenceSession {
  let encoder: SentenceEncoder
  let tokenizer: WordPieceTokenizer
  let directory: String

  init(model: ModelOptions) throws {
    let encoder = try SentenceEncoder.load(model.model, from: model.from)
    let directory = SentenceEncoder.directory(of: model.model)
    guard let tokenizer = try SentenceSession.tokenizer(encoder, directory: directory) else {
      throw BERTError(.badInput, file: directory, "no tokenizer (tokenizer.json or vocab.txt) beside the model, so texts cannot be embedded")
    }
    for note in encoder.notes { printError("note: " + note) }
    self.encoder = encoder
    self.tokenizer = tokenizer
    self.directory = directory
  }

  /// The tokenizer, nil when there is none (any other problem throws).
  static func tokenizer(_ encoder: SentenceEncoder, directory: String) throws -> WordPieceTokenizer? {
    do {
      return try encoder.tokenizer(directory: directory)
    } catch where error.code == .missing {
      return nil
    }
  }

  /// One stderr line when `auto` falls back to mean pooling.
  func noteOrigin(pooling: SentencePooling) {
    if pooling == .auto && encoder.origin == .plain {
      printError("note: no sentence-transformers pipeline (modules.json) for this model: mean pooling, as sentence-transformers does for a plain model")
    }
  }
}

/// Floats as JSON: shortest round-trip decimals, non-finite values as null.
enum JSONFloats {
  static func array<C: Collection>(_ values: C) -> String where C.Element == Float {
    "[" + values.map { $0.isFinite ? "\($0)" : "null" }.joined(separator: ",") + "]"
  }
}

/// `--output`: the embeddings as a safetensors file or a NumPy `.npy` file (format version 1.0, little-endian f4).
enum EmbeddingFile {
  static func write(_ values: [Float], rows: Int, width: Int, to path: String) throws {
    let bytes: [UInt8] = values.withUnsafeBytes { Array($0) }
    // The host is little-endian (x86-64, arm64), as both formats store floats.
    if path.hasSuffix(".safetensors") {
      let writer = try SafeTensorsWriter(path: path, tensors: [TensorHeader(name: "sentence_embedding", dtype: .f32, shape: [rows, width])])
      try bytes.withUnsafeBytes { raw in try writer.write(raw) }
      try writer.finish()
      return
    }
    var header = "{'descr': '<f4', 'fortran_order': False, 'shape': (\(rows), \(width)), }"
    // magic (6) + version (2) + header length (2) + header, padded with spaces and ended by \n to a multiple of 64.
    let total = 10 + header.utf8.count + 1
    header += String(repeating: " ", count: (64 - total % 64) % 64) + "\n"
    var data = Data([0x93]) + Data("NUMPY".utf8) + Data([1, 0])
    let length = UInt16(header.utf8.count)
    data.append(contentsOf: [UInt8(length & 0xff), UInt8(length >> 8)])
    data.append(Data(header.utf8))
    data.append(contentsOf: bytes)
    do {
      try data.write(to: URL(fileURLWithPath: path), options: .atomic)
    } catch {
      throw BERTError(.badInput, file: path, "cannot write: \(error.localizedDescription)")
    }
  }
}
