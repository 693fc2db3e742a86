import Support
import BERT
import Foundation
import SafeTensors

/// Text in, ids out: the tokenizer beside a model, and the rows of a golden's `texts`.
enum TextInput {
  /// The directory whose tokenizer files belong to `model` (the model directory, or the one holding the file).
  static func tokenizerDirectory(for model: String) -> String {
    var isDirectory: ObjCBool = false
    if FileManager.default.fileExists(atPath: model, isDirectory: &isDirectory), isDirectory.boolValue { return model }
    let parent = (model as NSString).deletingLastPathComponent
    return parent.isEmpty ? "." : parent
  }

  /// The tokenizer beside `model`, or nil when there is none (any other tokenizer problem throws).
  static func tokenizer(for model: String) throws(TokenizerError) -> WordPieceTokenizer? {
    do {
      return try WordPieceTokenizer(directory: tokenizerDirectory(for: model))
    } catch where error.code == .missing {
      return nil
    }
  }

  /// A golden's `texts` metadata: a JSON array of strings, of [a, b] pairs, or — multiple choice — of arrays of
  /// [prompt, choice] pairs, one row per choice (docs/GOLDEN.md).
  static func rows(fromTexts json: String, golden: String) throws(BERTError) -> [(text: String, pair: String?)] {
    func bad(_ detail: String) -> BERTError { BERTError(.badInput, file: golden, "__metadata__ texts: \(detail)") }
    guard let items = (try? JSONValue.parse(json))?.arrayValue else { throw bad("not a JSON array") }
    var rows: [(text: String, pair: String?)] = []
    for item in items {
      if let text = item.stringValue {
        rows.append((text, nil))
      } else if let pair = item.arrayValue, pair.count == 2, let a = pair[0].stringValue, let b = pair[1].stringValue {
        rows.append((a, b))
      } else if let choices = item.arrayValue, !choices.isEmpty,
                case let pairs = choices.compactMap({ $0.arrayValue }).filter({ $0.count == 2 }).compactMap({ p in
                  p[0].stringValue.flatMap { a in p[1].stringValue.map { (a, $0) } }
                }),
                pairs.count == choices.count {
        rows += pairs.map { (text: $0.0, pair: Optional($0.1)) }
      } else {
        throw bad("each element must be a string, a pair of strings or a list of pairs")
      }
    }
    return rows
  }

  /// Checks that re-tokenizing the golden's texts gives its input_ids; returns nil when they match, else a
  /// one-line description naming the first text that differs.
  static func mismatch(_ tokenizer: WordPieceTokenizer, golden: Golden, goldenPath: String) throws(BERTError) -> String? {
    guard let texts = golden.texts else { return nil }
    let rows = try rows(fromTexts: texts, golden: goldenPath)
    let input = golden.input
    guard rows.count == input.batch else {
      return "the golden has \(rows.count) texts for a batch of \(input.batch)"
    }
    let batch = tokenizer.encodeBatch(rows)
    for (b, row) in rows.enumerated() {
      let ours = batch.inputIds[b]
      let theirs = Array(input.inputIDs[(b * input.sequence)..<((b + 1) * input.sequence)])
      if ours != theirs {
        // Quoted as JSON strings, then made one printable line: a text with line breaks, escape sequences or bidi
        // overrides is shown escaped, never acted on by the terminal.
        func quoted(_ text: String) -> String { escapingControlCharacters(JSONValue.string(text).canonicalText) }
        let label = row.pair.map { "[\(quoted(row.text)), \(quoted($0))]" } ?? quoted(row.text)
        return "text \(b) \(label) tokenizes to \(ours), the golden has \(theirs)"
      }
    }
    return nil
  }
}
