import ArgumentParser
import BERT
import CLISupport
import Foundation

extension BertVerify {
  /// `bert-verify MODEL --golden GOLDEN`: the parity table of CONTRACT.md §3.
  struct Verify: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "verify",
      abstract: "Compare the model's outputs on a golden's inputs with the golden's outputs (the default command).",
      discussion: """
        One row per output in the golden (hidden_states.K, last_hidden_state, pooler_output, logits): max abs diff,
        max rel diff, share of elements over tolerance, cosine. An element passes when
        |ours − golden| ≤ atol + rtol·|golden|; per-token outputs are compared where attention_mask = 1.
        On failure the first divergent layer is named. Tolerances come from the golden unless given here.
        """)

    @OptionGroup var model: ModelOptions

    @Option(help: "The golden safetensors file (inputs and transformers' outputs).")
    var golden: String?

    @Option(help: "Absolute tolerance (default: the golden's atol, else 1e-4).")
    var atol: Double?

    @Option(help: "Relative tolerance (default: the golden's rtol, else 1e-3).")
    var rtol: Double?

    @Option(name: .customLong("json"), help: ArgumentHelp(
      "With --golden: also write the report as JSON to this file. With --text/--question: print what transformers' pipeline returns as JSON (to this file; alone or '-': stdout).",
      valueName: "file"))
    var jsonReport: String?

    @Option(help: "Instead of a golden: tokenize this text with the model's tokenizer, run it and answer with the model's task (docs/TASKS.md).")
    var text: String?

    @Option(help: "The second text of a sentence pair (with --text): next sentence prediction, pair classification.")
    var textPair: String?

    @Option(help: "Question answering: the question (with --context).")
    var question: String?

    @Option(help: "Question answering: the context the answer is cut from.")
    var context: String?

    @Option(name: .customLong("choice"), help: "Multiple choice: one choice (repeat for each; with --text as the prompt).")
    var choices: [String] = []

    func validate() throws {
      let textual = text != nil || question != nil
      guard (golden == nil) == textual else { throw ValidationError("Give exactly one of --golden <golden> and --text <text> (or --question <question>)") }
      if textPair != nil && text == nil { throw ValidationError("--text-pair needs --text") }
      if (question == nil) != (context == nil) { throw ValidationError("--question and --context go together") }
      if !choices.isEmpty && text == nil { throw ValidationError("--choice needs --text (the prompt)") }
      for (name, value) in [("atol", atol), ("rtol", rtol)] {
        if let value, !(value.isFinite && value >= 0) { throw ValidationError("--\(name) must be a non-negative number") }
      }
    }

    func run() throws {
      if text != nil || question != nil {
        return try TextRun(model: model, text: text, pair: textPair, question: question, context: context, choices: choices,
                           json: jsonReport).run()
      }
      guard let goldenPath = golden else { throw ValidationError("Missing expected argument '--golden <golden>'") }
      let reference = try Golden(path: goldenPath)
      if reference.texts != nil {
        if let tokenizer = try TextInput.tokenizer(for: model.model) {
          if let mismatch = try TextInput.mismatch(tokenizer, golden: reference, goldenPath: goldenPath) {
            printError("tokenizer mismatch: \(mismatch)")
            throw ExitCode(ExitStatus.mismatch.rawValue)
          }
          print("tokenizer: the golden's texts re-tokenize to its input_ids (\(tokenizer.source))")
        } else {
          print("tokenizer: none beside the model; the golden's texts were not re-tokenized")
        }
      }
      let bert = try model.load()
      let report = try ParityReport.compare(model: bert, modelPath: model.model, golden: reference, atol: atol, rtol: rtol)
      if let jsonReport {
        let text = report.json.canonicalText + "\n"
        do {
          try Data(text.utf8).write(to: URL(fileURLWithPath: jsonReport), options: .atomic)
        } catch {
          throw BERTError(.badInput, file: jsonReport, "cannot write the JSON report: \(error.localizedDescription)")
        }
      }
      print(report.table, terminator: "")
      if !report.passed { throw ExitCode(ExitStatus.mismatch.rawValue) }
    }
  }
}
