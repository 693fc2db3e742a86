import BERT
import CLISupport
import Foundation
import Models

/// `bert-verify MODEL --text "…" [--text-pair "…"] [--json]` (and `--question/--context`, `--choice`): tokenize,
/// run, and answer with the model's task as transformers' pipeline does (docs/TASKS.md); `--json` prints what
/// `transformers.pipeline(task)(…)` returns.
struct TextRun {
  var model: ModelOptions
  var text: String?
  var pair: String?
  var question: String?
  var context: String?
  var choices: [String]
  /// "-" for stdout, else a file; nil for the human-readable answer.
  var json: String?

  func run() throws {
    let directory = TextInput.tokenizerDirectory(for: model.model)
    guard let tokenizer = try TextInput.tokenizer(for: model.model) else {
      throw BERTError(.badInput, file: directory, "no tokenizer (tokenizer.json or vocab.txt) beside the model, so --text cannot be used")
    }
    let bert = try model.load()
    let maxLength = tokenizer.modelMaxLength ?? bert.config.maxPositionEmbeddings
    func input(_ encoding: WordPieceTokenizer.Encoding) throws -> EncoderInput {
      try EncoderInput(batch: 1, sequence: encoding.ids.count, inputIDs: encoding.ids, attentionMask: encoding.attentionMask,
                       // DistilBERT's and MPNet's tokenizers give no token types (docs/GOLDEN.md).
                       tokenTypeIDs: bert.config.typeVocabSize == 0 ? nil : encoding.typeIds)
    }
    func run(_ encoding: WordPieceTokenizer.Encoding) throws -> EncoderOutput {
      return try bert.forward(try input(encoding), keepHiddenStates: false)
    }
    func need(_ what: String, _ value: String?) throws -> String {
      guard let value else {
        throw BERTError(.badInput, file: model.model, "a \(bert.headKind?.rawValue ?? "bare encoder") model needs \(what)")
      }
      return value
    }

    let answer: TaskAnswer
    switch bert.headKind {
    case .sequenceClassification?:
      let output = try run(tokenizer.encode(try need("--text", text), pair: pair, maxLength: maxLength))
      answer = Classification(logits: output.logits!.values, config: bert.config).answer
    case .tokenClassification?:
      let input = try need("--text", text)
      let encoding = tokenizer.encode(input, maxLength: maxLength)
      let output = try run(encoding)
      let labels = (0..<bert.config.numLabels).map { i in bert.config.labels.flatMap { i < $0.count ? $0[i] : nil } ?? "LABEL_\(i)" }
      answer = TokenClassification.answer(TokenClassification.entities(
        text: input, encoding: encoding, logits: output.logits!.values, labels: labels, unknownID: tokenizer.id(of: "[UNK]")))
    case .questionAnswering?:
      let (q, c) = (try need("--question", question ?? text), try need("--context", context ?? pair))
      let encoding = tokenizer.encode(q, pair: c, maxLength: Int.max)
      let limit = min(maxLength, 384)
      guard encoding.ids.count <= limit else {
        throw BERTError(.badInput, file: model.model, "question and context are \(encoding.ids.count) tokens; the pipeline would split the "
                        + "context into chunks of \(limit), which bert-verify does not do")
      }
      let output = try run(encoding)
      answer = QuestionAnswering.answer(QuestionAnswering.best(context: c, encoding: encoding, start: output.startLogits!,
                                                               end: output.endLogits!, clsID: tokenizer.id(of: "[CLS]")))
    case .maskedLM?,
         .preTraining? where pair == nil:  // pre-training with a pair answers next sentence, below
      let encoding = tokenizer.encode(try need("--text", text), maxLength: maxLength)
      let output = try run(encoding)
      let logits = output.tensor(named: bert.headKind == .maskedLM ? "logits" : "prediction_logits")!
      let decoder = try TokenDecoder(tokenizer: tokenizer, directory: directory)
      guard let mask = tokenizer.maskTokenID else { throw BERTError(.badInput, file: directory, "the tokenizer has no mask token \(tokenizer.maskToken)") }
      answer = FillMask.answer(try FillMask.predict(ids: encoding.ids, logits: logits.values, vocabularySize: bert.config.vocabSize,
                                                    maskID: mask, padID: tokenizer.padTokenID, decoder: decoder))
    case .preTraining?, .nextSentencePrediction?:
      let output = try run(tokenizer.encode(try need("--text", text), pair: try need("--text-pair", pair), maxLength: maxLength))
      answer = NextSentence.answer(logits: output.tensor(named: bert.headKind == .preTraining ? "seq_relationship_logits" : "logits")!.values)
    case .multipleChoice?:
      let prompt = try need("--text", text)
      guard !choices.isEmpty else { throw BERTError(.badInput, file: model.model, "a multiple-choice model needs --choice (one per choice)") }
      let batch = tokenizer.encodeBatch(choices.map { (text: prompt, pair: Optional($0)) }, maxLength: maxLength)
      var input = try EncoderInput(batch: choices.count, sequence: batch.sequenceLength, inputIDs: batch.inputIds.flatMap { $0 },
                                   attentionMask: batch.attentionMask.flatMap { $0 },
                                   tokenTypeIDs: bert.config.typeVocabSize == 0 ? nil : batch.tokenTypeIds.flatMap { $0 })
      input.choices = choices.count
      answer = MultipleChoice.answer(choices: choices, logits: try bert.forward(input, keepHiddenStates: false).logits!.values)
    case nil:
      let encoding = tokenizer.encode(try need("--text", text), pair: pair, maxLength: maxLength)
      let output = try run(encoding)
      print("tokens:  \(encoding.ids.count) \(encoding.ids)")
      // A sentence-transformers model: its own embedding, not the pooler it was never trained through.
      let sentence = try SentenceEncoder.load(model.model, from: model.from)
      if sentence.origin != .plain {
        let embedding = try sentence.encode(try input(encoding)).sentenceEmbedding
        print("sentence embedding (\(sentence.summary), \(embedding.count) values)[0..<8]:",
              embedding.prefix(8).map { String(format: "%.6f", $0) }.joined(separator: " "))
        print("(bert-verify embed prints whole embeddings; explain compares [CLS], the pooler and the mean)")
        return
      }
      let pooled = output.poolerOutput ?? Array(output.lastHiddenState.prefix(bert.config.hiddenSize))
      print("no task head; \(output.poolerOutput == nil ? "[CLS] hidden state" : "pooler_output")[0..<8]:",
            pooled.prefix(8).map { String(format: "%.6f", $0) }.joined(separator: " "))
      return
    }

    guard let json else {
      print("task:    \(answer.task) (\(bert.summary))")
      print(answer.text, terminator: "")
      return
    }
    let line = answer.json.canonicalText + "\n"
    if json == "-" {
      print(line, terminator: "")
    } else {
      do {
        try Data(line.utf8).write(to: URL(fileURLWithPath: json), options: .atomic)
      } catch {
        throw BERTError(.badInput, file: json, "cannot write the JSON answer: \(error.localizedDescription)")
      }
    }
  }
}
