import ArgumentParser
import BERT
import CLISupport
import Foundation
import Support

extension BertVerify {
  /// `bert-verify similarity MODEL`: the texts' cosine matrices under each pooling, side by side, and their agreement
  /// with the model's own pipeline (README "CLS or mean?").
  struct Similarity: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Cosine similarities of stdin texts under each pooling, and each pooling's agreement with the model's own.",
      discussion: """
        Poolings: model (the model's sentence-transformers pipeline, else mean), cls, pooler, mean, max, mean-sqrt-len, \
        weightedmean, lasttoken; `all` (the default) is model, cls, pooler (when the model has one), mean and max. \
        Agreement is Spearman's rank correlation of a pooling's pairwise similarities with the model's own (three texts \
        or more).
        """)

    @OptionGroup var model: ModelOptions

    @Option(parsing: .upToNextOption, help: ArgumentHelp("all, or poolings to compare: model cls pooler mean max mean-sqrt-len weightedmean lasttoken.", valueName: "name"))
    var pooling: [String] = ["all"]

    @Flag(help: "Print one JSON object: {texts, pooling: {name: matrix}, agreement: {name: rho}}.")
    var json = false

    func validate() throws {
      for name in pooling where name != "all" && SimilarityReport.Method(name: name) == nil {
        throw ValidationError("unknown pooling '\(name)' (all, model, cls, pooler, mean, max, mean-sqrt-len, weightedmean, lasttoken)")
      }
    }

    mutating func run() throws {
      try model.resolveModelID()
      let session = try SentenceSession(model: model)
      var texts: [String] = []
      while let line = readLine(strippingNewline: true) { texts.append(line) }
      guard !texts.isEmpty else { throw ValidationError("no texts on stdin (one per line)") }
      // n² similarities per pooling, printed side by side: a comparison for a handful of texts, not a corpus.
      guard texts.count <= 1000 else { throw ValidationError("\(texts.count) texts on stdin; similarity compares at most 1000") }
      var methods: [SimilarityReport.Method] = []
      for name in pooling {
        let add = name == "all" ? SimilarityReport.defaultMethods(for: session.encoder) : [SimilarityReport.Method(name: name)!]
        for method in add where !methods.contains(method) { methods.append(method) }
      }
      let report = try SimilarityReport(encoder: session.encoder, tokenizer: session.tokenizer, texts: texts, methods: methods)
      if json {
        print(SimilarityJSON.object(report).canonicalText)
      } else {
        print(SimilarityText.report(report, encoder: session.encoder), terminator: "")
      }
    }
  }
}

enum SimilarityJSON {
  static func object(_ r: SimilarityReport) -> JSONValue {
    .object([
      ("texts", .array(r.texts.map { .string($0) })),
      ("pooling", .object(r.matrices.map { ($0.method, .array($0.cosines.map { .array($0.map { ExplainJSON.number($0) }) })) })),
      ("agreement", .object(r.agreement.map { ($0.method, ExplainJSON.number($0.spearman)) })),
    ])
  }
}

enum SimilarityText {
  static func report(_ r: SimilarityReport, encoder: SentenceEncoder) -> String {
    var out = "texts:\n"
    for (i, text) in r.texts.enumerated() { out += "  \(i): \(text)\n" }
    out += "model = \(encoder.summary)\n"
    let n = r.texts.count
    let width = 7
    // Side by side: one block of n columns per pooling.
    out += "\n    " + r.matrices.map { $0.method.padding(toLength: n * width, withPad: " ", startingAt: 0) }.joined(separator: " | ") + "\n"
    for i in 0..<n {
      out += String(format: "%2d  ", i) + r.matrices.map { m in
        m.cosines[i].map { String(format: "%6.3f", $0).padding(toLength: width, withPad: " ", startingAt: 0) }.joined()
      }.joined(separator: " | ") + "\n"
    }
    out += "\nagreement with the model's own similarities (Spearman):\n"
    for (method, rho) in r.agreement {
      out += "  \(method.padding(toLength: 14, withPad: " ", startingAt: 0)) \(rho.map { String(format: "%.3f", $0) } ?? "- (needs 3 texts)")\n"
    }
    return out
  }
}
