import BERT
import Foundation

/// `bert-verify MODEL --text "…" [--text-pair "…"]`: tokenize, run, print logits, probabilities and labels.
struct TextRun {
  var model: ModelOptions
  var text: String
  var pair: String?

  func run() throws {
    guard let tokenizer = try TextInput.tokenizer(for: model.model) else {
      throw BERTError(.badInput, file: TextInput.tokenizerDirectory(for: model.model),
                      "no tokenizer (tokenizer.json or vocab.txt) beside the model, so --text cannot be used")
    }
    let bert = try model.load()
    let encoding = tokenizer.encode(text, pair: pair, maxLength: tokenizer.modelMaxLength ?? bert.config.maxPositionEmbeddings)
    let input = try EncoderInput(batch: 1, sequence: encoding.ids.count, inputIDs: encoding.ids,
                                 attentionMask: encoding.attentionMask, tokenTypeIDs: encoding.typeIds)
    let output = try bert.forward(input, keepHiddenStates: false)
    print("tokens:  \(encoding.ids.count) \(encoding.ids)")
    guard let logits = output.logits, logits.shape.count == 2 else {
      let pooled = output.poolerOutput ?? Array(output.lastHiddenState.prefix(bert.config.hiddenSize))
      print("no sequence-classification head; \(output.poolerOutput == nil ? "[CLS] hidden state" : "pooler_output")[0..<8]:",
            pooled.prefix(8).map { String(format: "%.6f", $0) }.joined(separator: " "))
      return
    }
    let values = logits.values
    let multiLabel = bert.config.problemType == "multi_label_classification"
    let probabilities: [Float]
    if multiLabel {
      probabilities = values.map { 1 / (1 + exp(-$0)) }
    } else {
      let top = values.max() ?? 0
      let exps = values.map { exp($0 - top) }
      let sum = exps.reduce(0, +)
      probabilities = exps.map { $0 / sum }
    }
    let labels = bert.config.labels ?? values.indices.map { "LABEL_\($0)" }
    let width = labels.map(\.count).max() ?? 0
    print("logits:  [\(values.map { String(format: "%.6f", $0) }.joined(separator: ", "))]")
    print("probabilities (\(multiLabel ? "sigmoid" : "softmax")):")
    for (i, p) in probabilities.enumerated() {
      let label = i < labels.count ? labels[i] : "LABEL_\(i)"
      print("  \(label.padding(toLength: width, withPad: " ", startingAt: 0))  \(String(format: "%.6f", p))")
    }
    if !multiLabel, let best = probabilities.indices.max(by: { probabilities[$0] < probabilities[$1] }) {
      print("label:   \(best < labels.count ? labels[best] : "LABEL_\(best)")")
    }
  }
}
