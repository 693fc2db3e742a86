import Foundation
import Support

/// The fill-mask pipeline: for each mask token (the tokenizer's `maskToken`: `[MASK]`, `<mask>`…), the `topK` tokens by softmax probability over the vocabulary, each
/// `{score, token, token_str, sequence}` — `token_str` the decoded token, `sequence` the input with the mask
/// filled, padding dropped, decoded without special tokens (with them when the input has several masks, as the
/// pipeline does). One mask gives a flat list, several a list per mask.
public enum FillMask {
  public struct Prediction: Sendable {
    public let score: Float
    public let token: Int
    public let tokenString: String
    public let sequence: String
  }

  /// - Parameters:
  ///   - ids: the encoded input; `logits` its [sequence, vocab] MLM logits.
  /// - Throws: ``BERTError`` `.badInput` when the input has no mask token.
  public static func predict(ids: [Int], logits: [Float], vocabularySize v: Int, maskID: Int, padID: Int, decoder: TokenDecoder,
                             topK: Int = 5) throws(BERTError) -> [[Prediction]] {
    let masks = ids.indices.filter { ids[$0] == maskID }
    guard !masks.isEmpty else { throw BERTError(.badInput, "the text has no mask token (id \(maskID)) to fill") }
    return masks.map { position in
      let probabilities = TaskJSON.softmax(logits[(position * v)..<((position + 1) * v)])
      let best = probabilities.indices.sorted { probabilities[$0] > probabilities[$1] || (probabilities[$0] == probabilities[$1] && $0 < $1) }
        .prefix(topK)
      return best.map { token in
        var filled = ids
        filled[position] = token
        let sequence = decoder.decode(filled.filter { $0 != padID }, skipSpecialTokens: masks.count == 1)
        return Prediction(score: probabilities[token], token: token, tokenString: decoder.decode([token]), sequence: sequence)
      }
    }
  }

  public static func answer(_ predictions: [[Prediction]]) -> TaskAnswer {
    func row(_ p: Prediction) -> JSONValue {
      .object([("score", TaskJSON.score(p.score)), ("token", TaskJSON.integer(p.token)), ("token_str", .string(p.tokenString)),
               ("sequence", .string(p.sequence))])
    }
    let lists = predictions.map { JSONValue.array($0.map(row)) }
    var text = ""
    for (m, list) in predictions.enumerated() {
      if predictions.count > 1 { text += "mask \(m + 1):\n" }
      let width = list.map(\.tokenString.count).max() ?? 0
      for p in list {
        text += "  \(TaskJSON.format(p.score))  \(p.tokenString.padding(toLength: width, withPad: " ", startingAt: 0))  \(p.sequence)\n"
      }
    }
    return TaskAnswer(task: "fill-mask", json: lists.count == 1 ? lists[0] : .array(lists), text: text)
  }
}
