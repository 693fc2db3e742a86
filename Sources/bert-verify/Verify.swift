import ArgumentParser
import BERT
import CLISupport
import Foundation
import SafeTensors

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
      "With --golden: also write the report as JSON (docs/REPORT.md) to this file; '-' writes it to stdout and the table to stderr. With --text/--question: what transformers' pipeline returns, as JSON, to this file (alone or '-': stdout; docs/TASKS.md).",
      valueName: "report"))
    var jsonReport: String?

    @Option(help: ArgumentHelp("Also write the report as JUnit XML to this file (one testcase per output and one for the re-tokenization check).", valueName: "file"))
    var junit: String?

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
      if textual && junit != nil { throw ValidationError("--junit needs --golden") }
      if junit == "-" { throw ValidationError("--junit needs a file path") }
      for (name, value) in [("atol", atol), ("rtol", rtol)] {
        if let value, !(value.isFinite && value >= 0) { throw ValidationError("--\(name) must be a non-negative number") }
      }
    }

    mutating func run() throws {
      try model.resolveModelID()
      if text != nil || question != nil {
        return try TextRun(model: model, text: text, pair: textPair, question: question, context: context, choices: choices,
                           json: jsonReport).run()
      }
      guard let goldenPath = golden else { throw ValidationError("Missing expected argument '--golden <golden>'") }
      // With `--json -` stdout carries the JSON report alone; everything else goes to stderr.
      let say: (String) -> Void = jsonReport == "-" ? { printError($0) } : { print($0) }
      let started = Date()
      let clock = DispatchTime.now()
      let reference = try Golden(path: goldenPath)
      let tokenization = try checkTokenization(reference, goldenPath: goldenPath)
      switch tokenization.status {
      case .failed: printError("tokenizer mismatch: \(tokenization.detail)")
      case .passed, .notChecked: if reference.texts != nil { say("tokenizer: \(tokenization.detail)") }
      }
      // A sentence-transformers golden (token_embeddings, sentence_embedding) runs the model's own pipeline.
      let sentence = reference.outputs.contains { SentenceEncoder.outputNames.contains($0.name) }
        ? try SentenceEncoder.load(model.model, from: model.from) : nil
      let bert = try sentence?.model ?? model.load()
      let parity = try ParityReport.compare(model: bert, modelPath: model.model, golden: reference, atol: atol, rtol: rtol,
                                            sentence: sentence)
      let seconds = Double(DispatchTime.now().uptimeNanoseconds - clock.uptimeNanoseconds) / 1e9
      let report = VerificationReport(parity: parity, tokenization: tokenization, started: started, duration: seconds)
      if let junit { try write(report.junit, to: junit, what: "JUnit report") }
      if let jsonReport {
        let text = report.json.canonicalText + "\n"
        if jsonReport == "-" { print(text, terminator: "") } else { try write(text, to: jsonReport, what: "JSON report") }
      }
      say(String(parity.table.dropLast()))
      if !report.passed { throw ExitCode(ExitStatus.mismatch.rawValue) }
    }

    /// Re-tokenizes the golden's texts with the tokenizer beside the model (docs/GOLDEN.md).
    private func checkTokenization(_ reference: Golden, goldenPath: String) throws -> TokenizationCheck {
      guard reference.texts != nil else {
        return TokenizationCheck(status: .notChecked, tokenizer: nil, detail: "the golden records no texts")
      }
      guard let tokenizer = try TextInput.tokenizer(for: model.model) else {
        return TokenizationCheck(status: .notChecked, tokenizer: nil,
                                 detail: "none beside the model; the golden's texts were not re-tokenized")
      }
      if let mismatch = try TextInput.mismatch(tokenizer, golden: reference, goldenPath: goldenPath) {
        return TokenizationCheck(status: .failed, tokenizer: tokenizer.source, detail: mismatch)
      }
      return TokenizationCheck(status: .passed, tokenizer: tokenizer.source,
                               detail: "the golden's texts re-tokenize to its input_ids (\(tokenizer.source))")
    }

    /// Writes a report atomically (temporary file, fsync, rename): a CI job never reads half a report.
    private func write(_ text: String, to path: String, what: String) throws {
      do {
        try AtomicFile.write(Array(text.utf8), to: path)
      } catch {
        throw BERTError(.badInput, file: path, "cannot write the \(what): \(error.detail)")
      }
    }
  }
}
