import ArgumentParser
import BERT
import CLISupport
import Foundation
import Support

extension BertVerify {
  /// `bert-verify explain MODEL --text T`: the [CLS] vector layer by layer, the pooler, the mean (README "CLS or mean?").
  struct Explain: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Follow the [CLS] vector of one input through the model and compare it with the mean of the tokens.",
      discussion: """
        Prints the tokens (ids, special ones marked), the [CLS] word-embedding row, then for the embeddings (layer 0) and \
        each layer the norm of h[CLS] and its cosine with the mean of the other tokens; the pooler output, the classifier \
        logits when there is a head, the mean-pooled vector and its cosine with [CLS], and the model's own sentence \
        embedding (its sentence-transformers pipeline, else mean pooling) against each.
        """)

    @OptionGroup var model: ModelOptions

    @Option(help: "The text to run.")
    var text: String

    @Option(help: "The second text of a sentence pair.")
    var textPair: String?

    @Flag(help: "Print one JSON object instead of the text report.")
    var json = false

    mutating func run() throws {
      try model.resolveModelID()
      let session = try SentenceSession(model: model)
      let encoder = session.encoder
      let limit = encoder.maxSequenceLength(tokenizerMaximum: session.tokenizer.modelMaxLength)
      let lowered = { (s: String) in encoder.pipeline.doLowerCase ? s.lowercased() : s }
      let encoding = session.tokenizer.encode(lowered(text), pair: textPair.map(lowered), maxLength: limit)
      let e = try encoder.explain(encoding)
      if json {
        print(ExplainJSON.object(e, encoder: encoder).canonicalText)
      } else {
        print(ExplainText.report(e, encoder: encoder), terminator: "")
      }
    }
  }
}

enum ExplainJSON {
  static func number(_ x: Double?) -> JSONValue { x.map { $0.isFinite ? .number("\($0)") : .null } ?? .null }
  static func floats(_ values: [Float]) -> JSONValue { .array(values.map { $0.isFinite ? .number("\($0)") : .null }) }

  static func object(_ e: Explanation, encoder: SentenceEncoder) -> JSONValue {
    var members: [(String, JSONValue)] = [
      ("tokens", .array(e.ids.indices.map { i in
        .object([("id", .number(String(e.ids[i]))), ("token", .string(i < e.tokens.count ? e.tokens[i] : "")),
                 ("special", .bool(i < e.special.count && e.special[i]))])
      })),
      ("cls_token_id", .number(String(e.clsTokenID))),
      ("special_tokens", .array(Set(e.ids.indices.filter { $0 < e.special.count && e.special[$0] }.map { e.ids[$0] }).sorted().map { id in
        .object([("id", .number(String(id))), ("token", .string(e.ids.firstIndex(of: id).flatMap { $0 < e.tokens.count ? e.tokens[$0] : nil } ?? ""))])
      })),
      ("cls_input_embedding", floats(e.clsInputEmbedding)),
      ("layers", .array(e.layers.map { layer in
        .object([("layer", .number(String(layer.layer))), ("cls_norm", number(layer.clsNorm)),
                 ("cosine_cls_mean_of_others", number(layer.cosineWithOthersMean)),
                 ("cosine_cls_mean_pooled", number(layer.cosineWithMeanPooled))])
      })),
      ("pooler_output", e.poolerOutput.map(floats) ?? .null),
    ]
    if let logits = e.logits { members.append(("logits", floats(logits))) }
    members += [
      ("mean_pooled", floats(e.meanPooled)),
      ("cosine_cls_mean", number(e.cosineClsMean)),
      ("cosine_pooler_mean", number(e.cosinePoolerMean)),
      ("pipeline", .string(encoder.summary)),
      ("sentence_embedding", floats(e.sentenceEmbedding)),
      ("cosine_sentence_cls", number(e.cosineSentenceCls)),
      ("cosine_sentence_pooler", number(e.cosineSentencePooler)),
      ("cosine_sentence_mean", number(e.cosineSentenceMean)),
    ]
    return .object(members)
  }
}

enum ExplainText {
  static func f(_ x: Double?) -> String { x.map { $0.isNaN ? "-" : String(format: "%.4f", $0) } ?? "-" }
  static func head(_ v: [Float]) -> String { v.prefix(6).map { String(format: "%.4f", $0) }.joined(separator: " ") + (v.count > 6 ? " …" : "") }

  static func report(_ e: Explanation, encoder: SentenceEncoder) -> String {
    var out = "tokens (\(e.ids.count)): "
    out += e.ids.indices.map { i in (i < e.tokens.count ? e.tokens[i] : "?") + "=\(e.ids[i])" + (i < e.special.count && e.special[i] ? "*" : "") }
      .joined(separator: " ") + "   (* special)\n"
    out += "[CLS] id \(e.clsTokenID); word-embedding row (\(e.clsInputEmbedding.count)): \(head(e.clsInputEmbedding))\n\n"
    out += "layer  |h[CLS]|  cos(h[CLS], mean of others)  cos(h[CLS], mean of all)\n"
    for layer in e.layers {
      out += String(format: "%5d  %8.4f  %28.4f  %24.4f\n", layer.layer, layer.clsNorm, layer.cosineWithOthersMean, layer.cosineWithMeanPooled)
    }
    out += "\n"
    if let pooler = e.poolerOutput { out += "pooler_output tanh(dense(h[CLS])): \(head(pooler))\n" } else { out += "pooler_output: none (no pooler)\n" }
    if let logits = e.logits { out += "logits: \(logits.map { String(format: "%.6f", $0) }.joined(separator: " "))\n" }
    out += "mean of the last layer: \(head(e.meanPooled))\n"
    out += "cos([CLS], mean) = \(f(e.cosineClsMean))   cos(pooler_output, mean) = \(f(e.cosinePoolerMean))\n"
    out += "model's sentence embedding (\(encoder.summary)): \(head(e.sentenceEmbedding))\n"
    out += "cos(sentence, [CLS]) = \(f(e.cosineSentenceCls))   cos(sentence, pooler_output) = \(f(e.cosineSentencePooler))   cos(sentence, mean) = \(f(e.cosineSentenceMean))\n"
    return out
  }
}
