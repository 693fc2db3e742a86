import Support

/// Next-sentence prediction: the probability that the second text follows the first, softmax(logits)[0] (BERT's
/// label 0 is "B follows A") → `{"is_next": p}`.
public enum NextSentence {
  public static func answer(logits: [Float]) -> TaskAnswer {
    let p = TaskJSON.softmax(logits[0..<2])[0]
    return TaskAnswer(task: "next-sentence-prediction", json: .object([("is_next", TaskJSON.score(p))]),
                      text: "is_next: \(TaskJSON.format(p)) (\(p >= 0.5 ? "the second text follows the first" : "not a continuation"))\n")
  }
}
