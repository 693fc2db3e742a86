import ArgumentParser
import Checkpoint
import SafeTensors

extension BertConvert {
  struct Inspect: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List a checkpoint's format and tensors.")

    @OptionGroup var options: SourceOptions

    @Flag(help: "Print JSON instead of a table.")
    var json = false

    func run() throws {
      let checkpoint: Checkpoint
      do { checkpoint = try Checkpoint.open(options.source, from: options.from) } catch { exitBadInput(error) }
      let parameters = checkpoint.tensors.reduce(0) { $0 + $1.elementCount }
      if json {
        var tensors: [JSONValue] = []
        for t in checkpoint.tensors {
          tensors.append(.object([
            ("name", .string(t.name)), ("dtype", .string(t.dtype.rawValue)),
            ("shape", .array(t.shape.map { .number(String($0)) })), ("bytes", .number(String(t.byteCount))),
          ]))
        }
        let report = JSONValue.object([
          ("format", .string(checkpoint.format.rawValue)), ("path", .string(checkpoint.path)),
          ("files", .array(checkpoint.files.map { .string($0) })),
          ("parameters", .number(String(parameters))), ("tensors", .array(tensors)),
        ])
        print(report.canonicalText)
        return
      }
      print("format: \(checkpoint.format.rawValue)")
      print("files:  \(checkpoint.files.joined(separator: ", "))")
      let width = checkpoint.tensors.map(\.name.count).max() ?? 0
      for t in checkpoint.tensors {
        let name = t.name.padding(toLength: max(width, 4), withPad: " ", startingAt: 0)
        print("\(name)  \(t.dtype.rawValue.padding(toLength: 4, withPad: " ", startingAt: 0))  \(t.shape)  \(t.byteCount) bytes")
      }
      print("\(checkpoint.tensors.count) tensors, \(parameters) parameters")
    }
  }
}
