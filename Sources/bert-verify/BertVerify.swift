import ArgumentParser
import CLISupport

@main
struct BertVerify: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "bert-verify",
    abstract: "Run a BERT model on golden inputs and check its outputs against HuggingFace transformers.",
    discussion: """
      Exit codes: 0 every output within tolerance, 1 a mismatch, 2 bad input or usage.
      The encoder is not implemented yet; this command only prints its help.
      """,
    version: "0.1.0")

  static func main() { mainExitingWithContractCodes() }

  func run() throws {
    print(BertVerify.helpMessage())
  }
}
