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
                                 attentionMask: encoding.attentionMask,
                                 // DistilBERT's and MPNet's tokenizers give no token types (docs/GOLDEN.md).
                                 tokenTypeIDs: bert.config.typeVocabSize == 0 ? nil : encoding.typeIds)
    let output = try bert.forward(input, keepHiddenStates: false)
    print("tokens:  \(encoding.ids.count) \(encoding.ids)")
    guard let logits = output.logits, logits.shape.count == 2 else {
      // A sentence-transformers model: its own embedding, not the pooler it was never trained through.
      let sentence = try SentenceEncoder.load(model.model, from: model.from)
      if sentence.origin != .plain {
        let embedding = try sentence.encode(input).sentenceEmbedding
        print("sentence embedding (\(sentence.summary), \(embedding.count) values)[0..<8]:",
              embedding.prefix(8).map { String(format: "%.6f", $0) }.joined(separator: " "))
        print("(bert-verify embed prints whole embeddings; explain compares [CLS], the pooler and the mean)")
        return
      }
      let pooled = output.poolerOutput ?? Array(output.lastHiddenState.prefix(bert.config.hiddenSize))
      print("no sequence-classification head; \(output.poolerOutput == nil ? "[CLS] hidden state" : "pooler_output")[0..<8]:",
            pooled.prefix(8).map { String(format: "%.6f", $0) }.joined(separator: " "))
      return
    }
    let result = Classification(logits: logits.values, config: bert.config)
    let width = result.labels.map(\.count).max() ?? 0
    print("logits:  [\(result.logits.map { String(format: "%.6f", $0) }.joined(separator: ", "))]")
    print("probabilities (\(result.function.rawValue)):")
    for (label, p) in zip(result.labels, result.scores) {
      print("  \(label.padding(toLength: width, withPad: " ", startingAt: 0))  \(String(format: "%.6f", p))")
    }
    if result.function == .softmax, let best = result.best {
      print("label:   \(result.labels[best])")
    }
  }
}
