import ArgumentParser
import BERT
import Checkpoint

extension BertVerify {
  /// `bert-verify tokenize MODEL_DIR [--pair]`: one JSON array of ids per stdin line.
  struct Tokenize: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Tokenize stdin lines with a model directory's tokenizer; print one JSON array of ids per line.")

    @Argument(help: "A directory with tokenizer.json, or vocab.txt (+ tokenizer_config.json).")
    var modelDirectory: String

    @Flag(help: "Each line holds two texts separated by a TAB: encode them as a pair.")
    var pair = false

    func run() throws {
      let tokenizer = try WordPieceTokenizer(directory: HubCache.resolve(modelDirectory))
      var out = ""
      while let line = readLine(strippingNewline: true) {
        var text = Substring(line)
        var second: String?
        if pair, let tab = line.firstIndex(of: "\t") {
          text = line[..<tab]
          second = String(line[line.index(after: tab)...])
        }
        let ids = tokenizer.encode(String(text), pair: second).ids
        out += "[" + ids.map(String.init).joined(separator: ",") + "]\n"
        if out.utf8.count > 1 << 16 {
          print(out, terminator: "")
          out = ""
        }
      }
      print(out, terminator: "")
    }
  }
}
