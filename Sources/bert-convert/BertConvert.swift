import ArgumentParser
import CLISupport

@main
struct BertConvert: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "bert-convert",
    abstract: "Convert a BERT checkpoint (safetensors, PyTorch .bin, Keras .h5, sharded or not) to one canonical safetensors file.",
    discussion: """
      SOURCE is a checkpoint file, a sharded index (*.index.json) or a model directory; the config.json beside it is read.
      Families (config.json model_type): bert, roberta, xlm-roberta, distilbert, electra, mpnet.
      The same model gives a byte-identical canonical file whichever format it came from.
      Exit codes: 0 success, 2 bad input or usage.
      """,
    version: "0.1.0",
    subcommands: [Convert.self, Inspect.self],
    defaultSubcommand: Convert.self)

  static func main() { mainExitingWithContractCodes() }
}
