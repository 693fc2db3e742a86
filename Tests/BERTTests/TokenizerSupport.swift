import BERT
import Foundation
import Testing
import TestSupport

/// golden/tokenizer: the corpus, HuggingFace's ids for it, and the directories of each configuration.
enum TokenizerGolden {
  struct Record: Sendable {
    var line: Int
    var a: String
    var b: String?
    var maxLength: Int?
  }

  /// HF's `input_ids` and how many of them have token type 0 (the rest have 1).
  struct Expected: Sendable {
    var ids: [Int]
    var typeZeros: Int
    var typeIds: [Int] { [Int](repeating: 0, count: typeZeros) + [Int](repeating: 1, count: ids.count - typeZeros) }
  }

  static let directory = Fixtures.path("tokenizer")
  static let minilm = Fixtures.path("models/minilm")

  /// corpus.jsonl.
  static let corpus: [Record] = {
    lines("corpus.jsonl").enumerated().map { line, object in
      let o = object as! [String: Any]
      return Record(line: line + 1, a: o["a"] as! String, b: o["b"] as? String, maxLength: o["max_length"] as? Int)
    }
  }()

  /// ids-NAME.jsonl: one row per corpus record, or (`added`) rows that start with their corpus index.
  static func expected(_ name: String) -> [(record: Record, expected: Expected)] {
    lines("ids-\(name).jsonl").enumerated().map { i, object in
      var row = object as! [Any]
      var index = i
      if name == "added" { index = row.removeFirst() as! Int }
      return (corpus[index], Expected(ids: row[0] as! [Int], typeZeros: row[1] as! Int))
    }
  }

  /// offsets-NAME.jsonl (make_offsets.py): HF's `offset_mapping` for each row of ids-NAME.jsonl, delta-coded
  /// (start − previous end, end − start); a `null` line of `cased` / `lowercase-keep-accents` repeats the
  /// `uncased` row.
  static func offsets(_ name: String) -> [[TokenSpan]] {
    var rows: [[TokenSpan]] = []
    let uncased = name == "uncased" ? [] : offsets("uncased")
    for (i, object) in lines("offsets-\(name).jsonl").enumerated() {
      guard var coded = object as? [Int] else {
        rows.append(uncased[i])
        continue
      }
      if name == "added" { coded.removeFirst() }
      rows.append(decodeOffsets(coded))
    }
    return rows
  }

  /// Undoes make_offsets.py's `delta_code`.
  static func decodeOffsets(_ coded: [Int]) -> [TokenSpan] {
    var spans: [TokenSpan] = []
    var previous = 0
    for k in stride(from: 0, to: coded.count - 1, by: 2) {
      let start = previous + coded[k]
      spans.append(TokenSpan(start: start, end: start + coded[k + 1]))
      previous = start + coded[k + 1]
    }
    return spans
  }

  /// Encodes every record and compares the offsets with HF's (the ids too, so a wrong id is not hidden).
  static func checkOffsets(_ tokenizer: WordPieceTokenizer, against rows: [(record: Record, expected: Expected)],
                           offsets: [[TokenSpan]], sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(rows.count == offsets.count, sourceLocation: sourceLocation)
    var failures: [String] = []
    var failed = 0
    for ((record, expected), spans) in zip(rows, offsets) {
      let got = tokenizer.encode(record.a, pair: record.b, maxLength: record.maxLength)
      if got.offsets != spans || got.ids != expected.ids {
        failed += 1
        if failures.count < 5 {
          let pair = record.b.map { " + \(String(reflecting: String($0.prefix(120))))" } ?? ""
          let first = zip(got.offsets, spans).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? min(got.offsets.count, spans.count)
          failures.append("corpus line \(record.line): \(String(reflecting: String(record.a.prefix(120))))\(pair)"
                          + "\n    first difference at token \(first) of \(spans.count) (ours \(got.offsets.count))"
                          + "\n    HF:   \(spans[min(first, spans.count)...].prefix(8))\n    ours: \(got.offsets[min(first, got.offsets.count)...].prefix(8)) \(got.tokens[min(first, got.tokens.count)...].prefix(8))")
        }
      }
    }
    let rate = Double(rows.count - failed) / Double(max(rows.count, 1)) * 100
    let report = "\(failed) of \(rows.count) records' offsets differ from HF (\(String(format: "%.2f", rate))% match):\n"
      + failures.joined(separator: "\n")
    #expect(failed == 0, Comment(rawValue: report), sourceLocation: sourceLocation)
  }

  private static func lines(_ name: String) -> [Any] {
    // Lines end at the byte \n only: the texts hold raw U+2028, U+0085… that other line splitters honour.
    let data = FileManager.default.contents(atPath: directory + "/" + name)!
    return data.split(separator: UInt8(ascii: "\n")).map { try! JSONSerialization.jsonObject(with: Data($0), options: .fragmentsAllowed) }
  }

  /// A temporary model directory: MiniLM's vocab.txt and special_tokens_map.json, a tokenizer_config.json
  /// (MiniLM's with `configChanges`), and optionally a tokenizer.json.
  static func directory(
    tokenizerJSON: TokenizerJSON?, configChanges: [String: Any] = [:], withConfig: Bool = true, _ label: String = #function
  ) throws -> TemporaryDirectory {
    let dir = TemporaryDirectory(label)
    let fm = FileManager.default
    try fm.copyItem(atPath: minilm + "/vocab.txt", toPath: dir.file("vocab.txt"))
    try fm.copyItem(atPath: minilm + "/special_tokens_map.json", toPath: dir.file("special_tokens_map.json"))
    if withConfig {
      var config = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: minilm + "/tokenizer_config.json"))) as! [String: Any]
      config.merge(configChanges) { $1 }
      try JSONSerialization.data(withJSONObject: config).write(to: URL(fileURLWithPath: dir.file("tokenizer_config.json")))
    }
    switch tokenizerJSON {
    case nil:
      break
    case .minilm:
      try fm.copyItem(atPath: minilm + "/tokenizer.json", toPath: dir.file("tokenizer.json"))
    case .cased:
      try fm.copyItem(atPath: directory + "/cased/tokenizer.json", toPath: dir.file("tokenizer.json"))
    case .minilmWithAddedTokens:
      var json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: minilm + "/tokenizer.json"))) as! [String: Any]
      let extra = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: directory + "/added-tokens.json"))) as! [Any]
      json["added_tokens"] = (json["added_tokens"] as! [Any]) + extra
      try JSONSerialization.data(withJSONObject: json).write(to: URL(fileURLWithPath: dir.file("tokenizer.json")))
    }
    return dir
  }

  enum TokenizerJSON {
    case minilm, cased, minilmWithAddedTokens
  }

  /// Encodes every record and compares with HF; records the first mismatches with their text.
  static func check(_ tokenizer: WordPieceTokenizer, against rows: [(record: Record, expected: Expected)],
                    sourceLocation: SourceLocation = #_sourceLocation) {
    var failures: [String] = []
    var failed = 0
    for (record, expected) in rows {
      let got = tokenizer.encode(record.a, pair: record.b, maxLength: record.maxLength)
      if got.ids != expected.ids || got.typeIds != expected.typeIds || got.attentionMask != [Int](repeating: 1, count: got.ids.count) {
        failed += 1
        if failures.count < 5 {
          let pair = record.b.map { " + \(String(reflecting: String($0.prefix(120))))" } ?? ""
          failures.append("corpus line \(record.line): \(String(reflecting: String(record.a.prefix(120))))\(pair)"
                          + (record.maxLength.map { " max_length \($0)" } ?? "")
                          + "\n    HF:   \(expected.ids.prefix(60)) types0=\(expected.typeZeros)\n    ours: \(got.ids.prefix(60)) types0=\(got.typeIds.firstIndex(of: 1) ?? got.ids.count)")
        }
      }
    }
    let rate = Double(rows.count - failed) / Double(max(rows.count, 1)) * 100
    let report = "\(failed) of \(rows.count) records differ from HF (\(String(format: "%.2f", rate))% match):\n"
      + failures.joined(separator: "\n")
    #expect(failed == 0, Comment(rawValue: report), sourceLocation: sourceLocation)
  }
}
