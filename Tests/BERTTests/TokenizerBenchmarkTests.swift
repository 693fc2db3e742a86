@testable import BERT
import Foundation
import Testing

/// Throughput over the corpus on one thread, to compare with `python golden/tokenizer/make_corpus.py
/// --bench-only` (HF's fast tokenizer). Opt-in, and meaningful in release builds only:
///
///     BERT_TOKENIZER_BENCH=1 swift test -c release -Xswiftc -enable-testing --filter TokenizerBenchmark
@Suite("Tokenizer benchmark", .enabled(if: ProcessInfo.processInfo.environment["BERT_TOKENIZER_BENCH"] != nil))
struct TokenizerBenchmarkTests {
  @Test("encode every corpus record, one thread")
  func corpusThroughput() throws {
    let clock = ContinuousClock()
    let tablesStart = clock.now
    _ = CharacterTables.shared
    print("tokenizer: character tables \(clock.now - tablesStart)")
    let loadStart = clock.now
    let tokenizer = try WordPieceTokenizer(directory: TokenizerGolden.minilm)
    print("tokenizer: load \(clock.now - loadStart) (tokenizer.json, vocabulary table)")
    let all = TokenizerGolden.corpus.map { (a: $0.a, b: $0.b) }
    for (label, records) in [("whole corpus", all), ("plain ASCII prose subset", all.filter(Self.isPlainProse))] {
      let characters = records.reduce(0) { $0 + $1.a.unicodeScalars.count + ($1.b?.unicodeScalars.count ?? 0) }
      var best = Duration.seconds(1000)
      var tokens = 0
      for _ in 0..<7 {
        tokens = 0
        let start = clock.now
        for record in records {
          tokens += tokenizer.encode(record.a, pair: record.b).ids.count
        }
        best = min(best, clock.now - start)
      }
      let seconds = Double(best.components.seconds) + Double(best.components.attoseconds) * 1e-18
      print(String(format: "tokenizer: %@: %d records (%d characters, %d tokens) in %.1f ms = %.0f records/s, %.1f M characters/s",
                   label, records.count, characters, tokens, seconds * 1e3, Double(records.count) / seconds,
                   Double(characters) / seconds / 1e6))
    }
  }

  /// ASCII text without very long words (make_corpus.py's `is_plain_prose`).
  static func isPlainProse(_ record: (a: String, b: String?)) -> Bool {
    [record.a, record.b ?? ""].allSatisfy { text in
      text.unicodeScalars.allSatisfy { (0x20...0x7E).contains($0.value) || $0 == "\t" || $0 == "\n" }
        && !text.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" }).contains { $0.count > 40 }
    }
  }
}
