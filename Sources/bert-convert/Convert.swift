import ArgumentParser
import CLISupport
import Convert
import Foundation
import Support

extension BertConvert {
  struct Convert: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "convert",
      abstract: "Write the canonical file (OUT.safetensors) or a transformers-loadable directory (any other OUT).")

    @OptionGroup var options: SourceOptions

    @Option(name: .shortAndLong, help: "OUT.safetensors for the file alone, or a directory.")
    var output: String

    @Option(help: "Float type of the output: keep, f32, f16 or bf16.")
    var dtype: TargetDType = .keep

    @Flag(help: "Replace OUT when it exists.")
    var force = false

    @Option(help: "Split the output into shards of at most SIZE (e.g. 500MB, 2GB, 1GiB) with an index; OUT must be a directory.")
    var shardSize: String?

    func validate() throws {
      if let shardSize, Conversion.parseSize(shardSize) == nil {
        throw ValidationError("--shard-size '\(shardSize)' is not a size such as 500MB, 2GB or 1GiB")
      }
    }

    func run() throws {
      let start = ContinuousClock.now
      let display = ProgressDisplay()
      let progress: ConversionProgress? = display.map { display in
        { display.update(done: $0.bytesDone, total: $0.byteCount, detail: "[\($0.tensorsDone)/\($0.tensorCount)] \($0.tensor)") }
      }
      let report: ConversionReport
      do {
        defer { display?.finish() }
        report = try Conversion.run(source: options.resolvedSource(), output: output, dtype: dtype, from: options.from, force: force,
                                    shardSize: shardSize.flatMap(Conversion.parseSize), progress: progress)
      }
      warnWithoutTokenizer()
      for (tensor, count) in report.overflows {
        printError("warning: \(tensor): \(count) values overflowed to ±inf in the cast to \(report.dtype.rawValue)")
      }
      let elapsed = (ContinuousClock.now - start).components
      let seconds = Double(elapsed.seconds) + Double(elapsed.attoseconds) / 1e18
      print("wrote \(report.path): \(report.tensorCount) tensors, \(report.parameterCount) parameters, \(report.dtype.rawValue),"
            + " \(report.byteCount) bytes in \(String(format: "%.2f", seconds)) s, sha256 \(report.sha256)")
    }
  }
}

extension BertConvert.Convert {
  /// A directory output without tokenizer files cannot tokenize text (README.md, "bert-convert"): say so on stderr.
  func warnWithoutTokenizer() {
    guard !output.hasSuffix(".safetensors") else { return }
    let found = Conversion.tokenizerFiles.contains { FileManager.default.fileExists(atPath: output + "/" + $0) }
    if !found {
      printError("warning: no tokenizer files (\(Conversion.tokenizerFiles.joined(separator: ", "))) beside the source;"
                 + " \(escapingControlCharacters(output)) holds the weights and config.json only")
    }
  }
}
