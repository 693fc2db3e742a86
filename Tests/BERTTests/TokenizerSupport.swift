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

  /// ids-NAME.jsonl.zlib: one row per corpus record, or (`added`) rows that start with their corpus index.
  static func expected(_ name: String) -> [(record: Record, expected: Expected)] {
    lines("ids-\(name).jsonl.zlib").enumerated().map { i, object in
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
    for (i, object) in lines("offsets-\(name).jsonl.zlib").enumerated() {
      if let packed = object as? String {
        rows.append(decodeOffsets(unpack(packed)))
      } else if let row = object as? [Any], let packed = row.last as? String {
        rows.append(decodeOffsets(unpack(packed)))
      } else {
        rows.append(uncased[i])
      }
    }
    return rows
  }

  /// make_offsets.py's `unpack`: zigzag integers, 5 bits per base64url character, bit 32 = more follows.
  static func unpack(_ text: String) -> [Int] {
    let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)
    var digit = [Int](repeating: -1, count: 128)
    for (k, c) in alphabet.enumerated() { digit[Int(c)] = k }
    var values: [Int] = []
    var z = 0, shift = 0
    for c in text.utf8 {
      let d = digit[Int(c)]
      precondition(d >= 0, "not a packed character: \(c)")
      z |= (d & 31) << shift
      shift += 5
      if d & 32 == 0 {
        values.append(z % 2 == 0 ? z / 2 : -(z + 1) / 2)
        z = 0
        shift = 0
      }
    }
    return values
  }

  /// golden/tokenizer/KIND/expected.jsonl (make_families.py): the corpus records chosen for that tokenizer,
  /// each with HF's ids and offsets.
  static func family(_ kind: String) -> [(record: Record, ids: [Int], offsets: [TokenSpan])] {
    packedRows(lines(kind + "/expected.jsonl.zlib"))
  }

  /// variants.json.zlib (make_families.py): other calls' results for each KIND.
  nonisolated(unsafe) static let variants: [String: [String: Any]] = {
    let data = FileManager.default.contents(atPath: directory + "/variants.json.zlib") ?? Data()
    let json = try! JSONSerialization.jsonObject(with: Data(try! Inflate.zlib([UInt8](data))))
    return json as! [String: [String: Any]]
  }()

  /// Rows `[corpus index, packed ids + offsets]` as `family` reads them.
  static func packedRows(_ rows: [Any]) -> [(record: Record, ids: [Int], offsets: [TokenSpan])] {
    rows.map { object in
      let row = object as! [Any]
      let values = unpack(row[1] as! String)
      var ids: [Int] = []
      var coded: [Int] = []
      for k in stride(from: 0, to: values.count - 2, by: 3) {
        ids.append(values[k])
        coded += [values[k + 1], values[k + 2]]
      }
      return (corpus[row[0] as! Int], ids, decodeOffsets(coded))
    }
  }

  /// Encodes every chosen record and compares ids and offsets with HF's.
  static func checkFamily(_ tokenizer: Tokenizer, _ kind: String, sourceLocation: SourceLocation = #_sourceLocation) {
    let rows = family(kind)
    #expect(rows.count >= 2000, sourceLocation: sourceLocation)
    #expect(rows.filter { $0.record.b != nil }.count >= 200, sourceLocation: sourceLocation)
    checkRows(tokenizer, rows, kind, sourceLocation: sourceLocation)
  }

  /// - Parameter allowed: how many records may differ (0 but for the approximate Unicode normalizers).
  static func checkRows(_ tokenizer: Tokenizer, _ rows: [(record: Record, ids: [Int], offsets: [TokenSpan])], _ kind: String,
                        addSpecialTokens: Bool = true, allowed: Int = 0, sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(!rows.isEmpty, sourceLocation: sourceLocation)
    var failures: [String] = []
    var failed = 0
    for (record, ids, spans) in rows {
      let got = tokenizer.encode(record.a, pair: record.b, maxLength: record.maxLength, addSpecialTokens: addSpecialTokens)
      if got.ids != ids || got.offsets != spans {
        failed += 1
        if failures.count < 6 {
          let pair = record.b.map { " + \(String(reflecting: String($0.prefix(80))))" } ?? ""
          var first = 0
          while first < min(ids.count, got.ids.count), ids[first] == got.ids[first], spans[first] == got.offsets[first] { first += 1 }
          func window<T>(_ xs: [T]) -> ArraySlice<T> { xs[min(first, xs.count)...].prefix(6) }
          failures.append("corpus line \(record.line): \(String(reflecting: String(record.a.prefix(80))))\(pair)"
                          + "\n    first difference at token \(first) of \(ids.count) (ours \(got.ids.count))"
                          + "\n    HF:   \(window(ids)) \(window(spans))\n    ours: \(window(got.ids)) \(window(got.offsets)) \(window(got.tokens))")
        }
      }
    }
    let rate = Double(rows.count - failed) / Double(max(rows.count, 1)) * 100
    let report = "\(kind): \(failed) of \(rows.count) records differ from HF (\(String(format: "%.2f", rate))% match):\n"
      + failures.joined(separator: "\n")
    #expect(failed <= allowed, Comment(rawValue: report), sourceLocation: sourceLocation)
    if failed > 0, failed <= allowed { print("NOTE (approximate normalizer) " + report.prefix(400)) }
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
    var data = FileManager.default.contents(atPath: directory + "/" + name) ?? Data()
    if name.hasSuffix(".zlib") { data = Data(try! Inflate.zlib([UInt8](data))) }
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
