import ArgumentParser
import CLISupport

@main
struct BertVerify: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "bert-verify",
    abstract: "Run a BERT model on golden inputs and check its outputs against HuggingFace transformers.",
    discussion: """
      MODEL is a canonical file or directory, or any checkpoint bert-convert reads (converted in memory; nothing is written).
      Families (config.json model_type): bert, roberta, xlm-roberta, distilbert, electra, mpnet.
      Exit codes: 0 every output within tolerance, 1 a mismatch, 2 bad input or usage.
      """,
    version: "0.1.0",
    subcommands: [Verify.self, MakeGolden.self, Tokenize.self, Bench.self, Embed.self, Explain.self, Similarity.self],
    defaultSubcommand: Verify.self)

  static func main() {
    let others = Set(configuration.subcommands.filter { $0 != Verify.self }.map { $0._commandName })
    mainExitingWithContractCodes(arguments: BareJSONOption.expand(Array(CommandLine.arguments.dropFirst()), otherCommands: others))
  }
}
