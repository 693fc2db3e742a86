import Support
import ArgumentParser
import CLISupport
import Checkpoint
import Convert
import Foundation
import Models
import SafeTensors

extension BertConvert {
  struct Inspect: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "List a checkpoint's format, tensors (source name → canonical name), parameter count and config.")

    @OptionGroup var options: SourceOptions

    @Flag(help: "Print JSON instead of a table.")
    var json = false

    func run() throws {
      let checkpoint = try Checkpoint.open(options.resolvedSource(), from: options.from)
      // Without a config the tensors are still listed, just without canonical names.
      let configPath = checkpoint.directory + "/config.json"
      let plan: ModelPlan?
      do {
        plan = FileManager.default.fileExists(atPath: configPath)
          ? try ParameterMap.plan(checkpoint, config: ModelConfig(path: configPath)) : nil
      } catch {
        throw ConvertError(error)
      }
      var canonical: [String: String] = [:]
      for tensor in plan?.tensors ?? [] { canonical[tensor.source.name] = tensor.name }
      var dropped: [String: String] = [:]
      for item in plan?.dropped ?? [] { dropped[item.source] = "(dropped: \(item.reason))" }
      let parameters = checkpoint.tensors.reduce(0) { $0 + $1.elementCount }

      if json {
        let tensors: [JSONValue] = checkpoint.tensors.map { t in
          .object([
            ("name", .string(t.name)), ("canonical", canonical[t.name].map(JSONValue.string) ?? .null),
            ("dtype", .string(t.dtype.rawValue)), ("shape", .array(t.shape.map { .number(String($0)) })),
            ("bytes", .number(String(t.byteCount))),
          ])
        }
        var report: [(String, JSONValue)] = [
          ("format", .string(checkpoint.format.rawValue)), ("path", .string(checkpoint.path)),
          ("files", .array(checkpoint.files.map { .string($0) })), ("parameters", .number(String(parameters))),
          ("tensors", .array(tensors)),
        ]
        if let config = plan?.config { report.append(("config", config.json)) }
        print(JSONValue.object(report).canonicalText)
        return
      }
      print("format:  \(checkpoint.format.rawValue)")
      print("files:   \(escapingControlCharacters(checkpoint.files.joined(separator: ", ")))")
      if let c = plan?.config {
        print("model:   \(c.architectures.first ?? c.family.name), \(c.numHiddenLayers) layers, hidden \(c.hiddenSize), \(c.numAttentionHeads) heads,"
              + " intermediate \(c.intermediateSize), vocab \(c.vocabSize), \(c.hiddenAct)")
      } else {
        print("config:  none beside the weights (canonical names not shown)")
      }
      let width = checkpoint.tensors.map(\.name.count).max() ?? 0
      for t in checkpoint.tensors {
        let target = canonical[t.name].map { $0 == t.name ? "" : "→ \($0)" } ?? dropped[t.name] ?? ""
        // Names come from the file: escaped so a hostile one cannot drive the terminal.
        print("  \(escapingControlCharacters(t.name).padding(toLength: width, withPad: " ", startingAt: 0))  \(t.dtype.rawValue.padding(toLength: 4, withPad: " ", startingAt: 0))"
              + "  \(t.shape)  \(t.byteCount) B  \(target)")
      }
      print("\(checkpoint.tensors.count) tensors, \(parameters) parameters")
    }
  }
}
