import Support

/// Multiple choice: softmax over the choices' logits, one `{choice, score}` per choice in the order given.
public enum MultipleChoice {
  public static func answer(choices: [String], logits: [Float]) -> TaskAnswer {
    let scores = TaskJSON.softmax(logits[...])
    let json = JSONValue.array(zip(choices, scores).map { .object([("choice", .string($0)), ("score", TaskJSON.score($1))]) })
    let best = scores.indices.max { scores[$0] < scores[$1] }
    var text = ""
    for (i, (choice, score)) in zip(choices, scores).enumerated() {
      text += "  \(TaskJSON.format(score))  \(choice)\(i == best ? "   <- best" : "")\n"
    }
    return TaskAnswer(task: "multiple-choice", json: json, text: text)
  }
}
