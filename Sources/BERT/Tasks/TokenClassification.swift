import Foundation
import Support

/// The token-classification pipeline with aggregation "none": each token that is not special gets the label of
/// its highest softmax score; tokens labelled `O` are left out. Each entity is `{entity, score, index, word,
/// start, end}`: `index` its position in the input ids, `word` the vocabulary token (the text itself for
/// `[UNK]`), `start`/`end` its character offsets in the text.
public enum TokenClassification {
  public struct Entity: Sendable {
    public let entity: String
    public let score: Float
    public let index: Int
    public let word: String
    public let start: Int
    public let end: Int
  }

  /// - Parameters:
  ///   - logits: [sequence, labels] for `encoding`'s tokens.
  ///   - unknownID: the `[UNK]` id, whose word is the text it covers.
  public static func entities(text: String, encoding: WordPieceTokenizer.Encoding, logits: [Float], labels: [String],
                              unknownID: Int?, ignore: Set<String> = ["O"]) -> [Entity] {
    let n = labels.count
    let scalars = Array(text.unicodeScalars)
    var found: [Entity] = []
    for t in encoding.ids.indices where encoding.specialTokensMask[t] == 0 {
      let scores = TaskJSON.softmax(logits[(t * n)..<((t + 1) * n)])
      guard let best = scores.indices.max(by: { scores[$0] < scores[$1] || (scores[$0] == scores[$1] && $0 > $1) }) else { continue }
      let label = labels[best]
      if ignore.contains(label) { continue }
      let span = encoding.offsets[t]
      var word = encoding.tokens[t]
      if encoding.ids[t] == unknownID, span.start <= span.end, span.end <= scalars.count {
        var slice = String.UnicodeScalarView()
        slice.append(contentsOf: scalars[span.start..<span.end])
        word = String(slice)
      }
      found.append(Entity(entity: label, score: scores[best], index: t, word: word, start: span.start, end: span.end))
    }
    return found
  }

  public static func answer(_ entities: [Entity]) -> TaskAnswer {
    let json = JSONValue.array(entities.map { e in
      .object([("entity", .string(e.entity)), ("score", TaskJSON.score(e.score)), ("index", TaskJSON.integer(e.index)),
               ("word", .string(e.word)), ("start", TaskJSON.integer(e.start)), ("end", TaskJSON.integer(e.end))])
    })
    let width = entities.map(\.word.count).max() ?? 0
    var text = entities.isEmpty ? "no entities (every token is O)\n" : ""
    for e in entities {
      text += "  \(e.word.padding(toLength: width, withPad: " ", startingAt: 0))  \(e.entity)  \(TaskJSON.format(e.score))  [\(e.start), \(e.end))\n"
    }
    return TaskAnswer(task: "token-classification", json: json, text: text)
  }
}
