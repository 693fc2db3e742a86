import Foundation
import Support

/// The question-answering pipeline's span search on one chunk (question first, then the context), with its
/// defaults: logits of tokens outside the context (question, specials, padding; `[CLS]` excepted) set to −10000;
/// softmax over start and over end; `[CLS]`'s probabilities zeroed; every span s ≤ e < s + `maxAnswerLength`
/// scored p_start[s] · p_end[e]; the best `2·topK + 10` kept when both ends lie in the context; each widened to
/// whole words (`align_to_words`) and cut from the context by character offsets; answers with the same text
/// (ignoring case) merged with their scores summed; the best returned as `{score, start, end, answer}`.
public enum QuestionAnswering {
  public struct Answer: Sendable {
    public let score: Double
    public let start: Int
    public let end: Int
    public let answer: String
  }

  /// - Parameters:
  ///   - encoding: `(question, context)` encoded as one chunk; `start`/`end` its logits.
  /// - Returns: nil when no span lies in the context (an empty context).
  public static func best(context: String, encoding: WordPieceTokenizer.Encoding, start: [Float], end: [Float], clsID: Int?,
                          maxAnswerLength: Int = 15, topK: Int = 1) -> Answer? {
    let n = encoding.ids.count
    // Wanted: context tokens (sequence 1) and [CLS].
    let wanted = (0..<n).map { encoding.sequenceIds[$0] == 1 || encoding.ids[$0] == clsID }
    func probabilities(_ logits: [Float]) -> [Float] {
      var p = TaskJSON.softmax((0..<n).map { wanted[$0] ? logits[$0] : -10000 }[...])
      p[0] = 0  // the pipeline zeroes [CLS] (index 0)
      return p
    }
    let ps = probabilities(start), pe = probabilities(end)
    var candidates: [(s: Int, e: Int, score: Float)] = []
    for s in 0..<n {
      for e in s..<min(n, s + maxAnswerLength) { candidates.append((s, e, ps[s] * pe[e])) }
    }
    // numpy sorts the whole [n, n] matrix; spans outside the band score 0 and come after these.
    candidates.sort { $0.score > $1.score || ($0.score == $1.score && ($0.s, $0.e) < ($1.s, $1.e)) }
    let scalars = Array(context.unicodeScalars)
    var answers: [(score: Double, start: Int, end: Int, text: String)] = []
    for c in candidates.prefix(topK * 2 + 10) where wanted[c.s] && wanted[c.e] {
      let (from, to) = wordSpan(encoding, c.s, c.e)
      guard from <= to, to <= scalars.count else { continue }
      var view = String.UnicodeScalarView()
      view.append(contentsOf: scalars[from..<to])
      let text = String(view)
      if let i = answers.firstIndex(where: { $0.text.lowercased() == text.lowercased() }) {
        answers[i].score += Double(c.score)
      } else {
        answers.append((Double(c.score), from, to, text))
      }
    }
    guard let top = answers.enumerated().sorted(by: { $0.element.score > $1.element.score || ($0.element.score == $1.element.score && $0.offset < $1.offset) }).first?.element
    else { return nil }
    return Answer(score: top.score, start: top.start, end: top.end, answer: top.text)
  }

  /// The characters of the words holding tokens s and e (`token_to_word` then `word_to_chars`): a word's tokens
  /// are its first piece and the `##` pieces after it. Tokens outside the context keep their own offsets.
  static func wordSpan(_ encoding: WordPieceTokenizer.Encoding, _ s: Int, _ e: Int) -> (Int, Int) {
    guard encoding.sequenceIds[s] == 1, encoding.sequenceIds[e] == 1 else { return (encoding.offsets[s].start, encoding.offsets[e].end) }
    var first = s, last = e
    while first > 0, encoding.sequenceIds[first - 1] == 1, encoding.tokens[first].hasPrefix("##") { first -= 1 }
    while last + 1 < encoding.ids.count, encoding.sequenceIds[last + 1] == 1, encoding.tokens[last + 1].hasPrefix("##") { last += 1 }
    return (encoding.offsets[first].start, encoding.offsets[last].end)
  }

  public static func answer(_ answer: Answer?) -> TaskAnswer {
    guard let answer else {
      return TaskAnswer(task: "question-answering", json: .array([]), text: "no answer: the context has no tokens\n")
    }
    let json = JSONValue.object([("score", TaskJSON.score(answer.score)), ("start", TaskJSON.integer(answer.start)),
                                 ("end", TaskJSON.integer(answer.end)), ("answer", .string(answer.answer))])
    return TaskAnswer(task: "question-answering", json: json,
                      text: "answer: \"\(answer.answer)\" (characters \(answer.start)..<\(answer.end), score \(String(format: "%.4f", answer.score)))\n")
  }
}
