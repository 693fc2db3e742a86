import ArgumentParser
import CLISupport
import Convert
import Foundation

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

    func run() throws {
      let start = ContinuousClock.now
      let report = try Conversion.run(source: options.source, output: output, dtype: dtype, from: options.from, force: force)
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
