import Foundation
import Support

/// Everything one `bert-verify MODEL --golden GOLDEN` run found: the parity of every output and the
/// re-tokenization check, with when and how long. Written as JSON (`--json`, docs/REPORT.md) and as JUnit XML
/// (`--junit`).
public struct VerificationReport: Sendable {
  /// The `schema_version` of the JSON report; raised when a key changes meaning or disappears (docs/REPORT.md).
  public static let schemaVersion = 1

  public let parity: ParityReport
  public let tokenization: TokenizationCheck
  /// When the run started.
  public let started: Date
  /// Seconds spent loading the model and comparing.
  public let duration: Double

  public init(parity: ParityReport, tokenization: TokenizationCheck, started: Date, duration: Double) {
    self.parity = parity
    self.tokenization = tokenization
    self.started = started
    self.duration = duration
  }

  /// The run's verdict (exit 0): every output within tolerance and no tokenizer mismatch.
  public var passed: Bool { parity.passed && !tokenization.failed }

  /// Where the first divergence is, as the verdict line names it: "layer 2 (hidden_states.2, …)", "logits", …
  public var firstDivergentDescription: String? {
    guard let first = parity.firstDivergent else { return nil }
    var text: String
    if let k = first.layer {
      text = k == 0 ? "embeddings (hidden_states.0)" : "layer \(k) (hidden_states.\(k), the output of encoder layer \(k - 1))"
    } else {
      text = first.name
    }
    if !first.produced { text += ", which the model cannot produce" }
    return text
  }

  // MARK: JSON

  /// The JSON report of docs/REPORT.md: ``ParityReport/json`` with `schema_version`, the tokenization check and
  /// `pass` covering both.
  public var json: JSONValue {
    var members = parity.json.objectValue ?? []
    members.removeAll { ["pass", "schema_version", "tokenization"].contains($0.0) }
    members.insert(("schema_version", .number(String(Self.schemaVersion))), at: 0)
    members.append(("pass", .bool(passed)))
    members.append(("parity_pass", .bool(parity.passed)))
    members.append(("tokenization", .object([
      ("status", .string(tokenization.status.rawValue)),
      ("tokenizer", tokenization.tokenizer.map(JSONValue.string) ?? .null),
      ("detail", .string(tokenization.detail)),
    ])))
    members.append(("timestamp", .string(Self.timestamp(started))))
    members.append(("duration_s", .number(String(format: "%.3f", duration))))
    return .object(members)
  }

  // MARK: JUnit

  /// The report as JUnit XML (../shared/reference JUnit: testsuites > testsuite > properties, testcase…,
  /// system-out, system-err): one testcase for the re-tokenization check, then one per compared output; a failing
  /// output carries a `<failure>` whose message gives its max abs and rel diff and the first divergent layer.
  public var junit: String {
    let p = parity
    let suiteName = "\(p.model) vs \(p.golden)"
    let classname = "bert-verify." + JUnitXML.classSegment(p.golden)
    var cases: [String] = []
    var failures = 0, skipped = 0

    var tok = "    <testcase name=\"tokenization\" classname=\(JUnitXML.attribute(classname)) time=\"0\">\n"
    switch tokenization.status {
    case .passed: break
    case .failed:
      failures += 1
      tok += "      <failure type=\"tokenizer mismatch\" message=\(JUnitXML.attribute("tokenizer mismatch: " + tokenization.detail))>"
      tok += JUnitXML.text(tokenization.detail) + "</failure>\n"
    case .notChecked:
      skipped += 1
      tok += "      <skipped message=\(JUnitXML.attribute(tokenization.detail))/>\n"
    }
    cases.append(tok + "    </testcase>\n")

    let divergent = firstDivergentDescription ?? "none"
    for row in p.rows {
      var item = "    <testcase name=\(JUnitXML.attribute(row.name)) classname=\(JUnitXML.attribute(classname)) time=\"0\">\n"
      if !row.passed {
        failures += 1
        let message: String
        if row.produced {
          message = "max_abs_diff \(ParityReport.format(row.maxAbsDiff)), max_rel_diff \(ParityReport.format(row.maxRelDiff)), "
            + "\(row.overTolerance) of \(row.compared) elements over atol \(p.tolerance.atol) + rtol \(p.tolerance.rtol)·|golden|; "
            + "first divergent: \(divergent)"
        } else {
          message = "the model cannot produce \(row.name); first divergent: \(divergent)"
        }
        let body = "output \(row.name) shape \(row.shape), compared \(row.compared), max_abs_diff \(ParityReport.format(row.maxAbsDiff)), "
          + "max_rel_diff \(ParityReport.format(row.maxRelDiff)), over_tolerance \(row.overTolerance) "
          + "(\(ParityReport.formatShare(row.shareOverTolerance))), cosine \(ParityReport.formatCosine(row.cosine))"
        item += "      <failure type=\"parity\" message=\(JUnitXML.attribute(message))>\(JUnitXML.text(body))</failure>\n"
      }
      cases.append(item + "    </testcase>\n")
    }

    let counts = "tests=\"\(cases.count)\" failures=\"\(failures)\" errors=\"0\" skipped=\"\(skipped)\" "
      + "time=\"\(String(format: "%.3f", duration))\" timestamp=\"\(Self.timestamp(started))\""
    let properties: [(String, String)] = [
      ("model", p.model), ("golden", p.golden), ("atol", "\(p.tolerance.atol)"), ("rtol", "\(p.tolerance.rtol)"),
      ("tolerance_source", p.toleranceSource), ("batch", String(p.batch)), ("sequence", String(p.sequence)),
      ("first_divergent", parity.firstDivergent?.name ?? ""), ("schema_version", String(Self.schemaVersion)),
    ]
    var xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    xml += "<testsuites name=\"bert-verify\" \(counts)>\n"
    xml += "  <testsuite name=\(JUnitXML.attribute(suiteName)) id=\"0\" package=\"bert-verify\" \(counts) "
      + "hostname=\(JUnitXML.attribute(ProcessInfo.processInfo.hostName))>\n"
    xml += "    <properties>\n"
    for (name, value) in properties {
      xml += "      <property name=\(JUnitXML.attribute(name)) value=\(JUnitXML.attribute(value))/>\n"
    }
    xml += "    </properties>\n"
    xml += cases.joined()
    xml += "    <system-out>\(JUnitXML.text(p.table))</system-out>\n"
    xml += "    <system-err></system-err>\n"
    xml += "  </testsuite>\n</testsuites>\n"
    return xml
  }

  /// `YYYY-MM-DDTHH:MM:SS` in UTC, without a zone (the JUnit XSD's form).
  static func timestamp(_ date: Date) -> String {
    let formatter = DateFormatter()
    formatter.locale = Locale(identifier: "en_US_POSIX")
    formatter.timeZone = TimeZone(identifier: "UTC")
    formatter.dateFormat = "yyyy-MM-dd'T'HH:mm:ss"
    return formatter.string(from: date)
  }
}

/// XML 1.0 text and attribute escaping for the JUnit report.
public enum JUnitXML {
  /// `value` as a quoted attribute: `& < > "` escaped, tab / LF / CR as character references (so they survive
  /// attribute normalisation), and every character XML 1.0 forbids even as a reference written as a visible
  /// `\u{…}` escape instead.
  public static func attribute(_ value: String) -> String {
    "\"" + escape(value, attribute: true) + "\""
  }

  /// `value` as element content: `& < >` escaped, forbidden characters as visible `\u{…}` escapes.
  public static func text(_ value: String) -> String { escape(value, attribute: false) }

  /// `path` without its `.safetensors` extension, as a dotted JUnit class name
  /// (`golden/models/seqcls/golden.safetensors` → `golden.models.seqcls.golden`).
  static func classSegment(_ path: String) -> String {
    let stem = path.hasSuffix(".safetensors") ? String(path.dropLast(".safetensors".count)) : path
    return stem.split(separator: "/").filter { $0 != "." && $0 != ".." }.map { $0.replacingOccurrences(of: ".", with: "_") }
      .joined(separator: ".")
  }

  static func escape(_ value: String, attribute: Bool) -> String {
    var out = ""
    for scalar in value.unicodeScalars {
      switch scalar {
      case "&": out += "&amp;"
      case "<": out += "&lt;"
      case ">": out += "&gt;"
      case "\"" where attribute: out += "&quot;"
      case "\t" where attribute: out += "&#9;"
      case "\n" where attribute: out += "&#10;"
      case "\r" where attribute: out += "&#13;"
      case "\t", "\n", "\r": out.unicodeScalars.append(scalar)
      default:
        if isXMLChar(scalar) {
          out.unicodeScalars.append(scalar)
        } else {
          out += "\\u{" + String(scalar.value, radix: 16, uppercase: true) + "}"
        }
      }
    }
    return out
  }

  /// XML 1.0 `Char` minus the C1 controls and DEL, which XML allows but most readers choke on:
  /// #x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF].
  static func isXMLChar(_ scalar: Unicode.Scalar) -> Bool {
    switch scalar.value {
    case 0x20..<0x7F, 0xA0...0xD7FF, 0xE000...0xFFFD, 0x10000...0x10FFFF: true
    default: false
    }
  }
}
