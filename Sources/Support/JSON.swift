/// A JSON value that keeps object key order and number text, as parsed by ``JSONValue/parse(_:)``.
///
/// The parser is strict (RFC 8259, no trailing commas, no lone surrogates, at most 127 nested arrays/objects as
/// serde_json) and rejects duplicate object keys — a header with two entries of one name is a parser
/// differential waiting to happen.
///
/// Strings are compared as UTF-8 bytes, as every format we read does: Swift's `String ==` is canonical
/// equivalence (`café` in NFC equals `café` in NFD, `K` equals the Kelvin sign U+212A), so keys are never
/// compared or hashed as `String` here — `"caf\u{E9}"` and `"cafe\u{301}"` are two different keys.
public enum JSONValue: Equatable, Sendable {
  case null
  case bool(Bool)
  /// The number exactly as written.
  case number(String)
  case string(String)
  case array([JSONValue])
  /// Members in document order; keys are unique.
  case object([(String, JSONValue)])

  public static func == (a: JSONValue, b: JSONValue) -> Bool {
    switch (a, b) {
    case (.null, .null): true
    case let (.bool(x), .bool(y)): x == y
    case let (.number(x), .number(y)): x == y
    case let (.string(x), .string(y)): x.utf8.elementsEqual(y.utf8)
    case let (.array(x), .array(y)): x == y
    case let (.object(x), .object(y)): x.elementsEqual(y) { $0.0.utf8.elementsEqual($1.0.utf8) && $0.1 == $1.1 }
    default: false
    }
  }

  /// A parse failure with the byte offset where it happened.
  public struct ParseError: Error, CustomStringConvertible {
    public var offset: Int
    public var message: String
    /// The repeated key, when the failure is a duplicate key.
    public var duplicateKey: String?
    public var description: String { "\(message) at byte \(offset)" }
  }

  // MARK: Accessors

  /// The member named `key` (the same UTF-8 bytes) of an object.
  public subscript(key: String) -> JSONValue? {
    guard case .object(let members) = self else { return nil }
    return members.first { $0.0.utf8.elementsEqual(key.utf8) }?.1
  }

  public var stringValue: String? { if case .string(let s) = self { s } else { nil } }
  public var boolValue: Bool? { if case .bool(let b) = self { b } else { nil } }
  public var arrayValue: [JSONValue]? { if case .array(let a) = self { a } else { nil } }
  public var objectValue: [(String, JSONValue)]? { if case .object(let o) = self { o } else { nil } }

  /// The value as an integer, when it is an integer literal (no fraction or exponent) that fits in `Int`.
  public var intValue: Int? {
    // Over UTF-8 bytes, not Characters: a hostile header can hold tens of millions of numbers.
    guard case .number(let text) = self,
          !text.utf8.contains(where: { $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "e") || $0 == UInt8(ascii: "E") })
    else { return nil }
    return Int(text)
  }

  /// The value as a `Double`, for any number.
  public var doubleValue: Double? { if case .number(let text) = self { Double(text) } else { nil } }

  // MARK: Parsing

  /// Parses one JSON document; whitespace may surround it, nothing else may follow it.
  public static func parse(_ bytes: some Collection<UInt8>) throws(ParseError) -> JSONValue {
    let array = Array(bytes)
    var parser = Parser(bytes: array)
    parser.skipWhitespace()
    let value = try parser.parseValue(depth: 0)
    parser.skipWhitespace()
    guard parser.position == array.count else { throw parser.error("unexpected data after the JSON value") }
    return value
  }

  public static func parse(_ text: String) throws(ParseError) -> JSONValue {
    try parse(Array(text.utf8))
  }
}

// MARK: - Parser

private struct Parser {
  let bytes: [UInt8]
  var position = 0
  /// serde_json's recursion limit: it refuses the 128th nested array or object (scalars do not count).
  static let maxDepth = 127

  func error(_ message: String, duplicateKey: String? = nil) -> JSONValue.ParseError {
    JSONValue.ParseError(offset: position, message: message, duplicateKey: duplicateKey)
  }

  mutating func skipWhitespace() {
    while position < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[position]) { position += 1 }
  }

  func peek() -> UInt8? { position < bytes.count ? bytes[position] : nil }

  mutating func expect(_ literal: String) throws(JSONValue.ParseError) {
    for byte in literal.utf8 {
      guard peek() == byte else { throw error("invalid literal, expected '\(literal)'") }
      position += 1
    }
  }

  mutating func parseValue(depth: Int) throws(JSONValue.ParseError) -> JSONValue {
    guard let byte = peek() else { throw error("unexpected end of input") }
    switch byte {
    case UInt8(ascii: "{"): return try parseObject(depth: depth)
    case UInt8(ascii: "["): return try parseArray(depth: depth)
    case UInt8(ascii: "\""): return .string(try parseString())
    case UInt8(ascii: "t"): try expect("true"); return .bool(true)
    case UInt8(ascii: "f"): try expect("false"); return .bool(false)
    case UInt8(ascii: "n"): try expect("null"); return .null
    case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try parseNumber()
    default: throw error("unexpected character")
    }
  }

  /// `depth` counts the arrays and objects around the one opening here.
  func checkDepth(_ depth: Int) throws(JSONValue.ParseError) {
    guard depth < Parser.maxDepth else { throw error("arrays and objects nested deeper than \(Parser.maxDepth)") }
  }

  mutating func parseObject(depth: Int) throws(JSONValue.ParseError) -> JSONValue {
    try checkDepth(depth)
    position += 1
    var members: [(String, JSONValue)] = []
    var seen = Set<UTF8Key>()
    skipWhitespace()
    if peek() == UInt8(ascii: "}") { position += 1; return .object(members) }
    while true {
      skipWhitespace()
      guard peek() == UInt8(ascii: "\"") else { throw error("expected a string key") }
      let keyStart = position
      let key = try parseString()
      guard seen.insert(UTF8Key(key)).inserted else {
        position = keyStart
        throw error("duplicate key '\(key)'", duplicateKey: key)
      }
      skipWhitespace()
      guard peek() == UInt8(ascii: ":") else { throw error("expected ':'") }
      position += 1
      skipWhitespace()
      members.append((key, try parseValue(depth: depth + 1)))
      skipWhitespace()
      switch peek() {
      case UInt8(ascii: ","): position += 1
      case UInt8(ascii: "}"): position += 1; return .object(members)
      default: throw error("expected ',' or '}'")
      }
    }
  }

  mutating func parseArray(depth: Int) throws(JSONValue.ParseError) -> JSONValue {
    try checkDepth(depth)
    position += 1
    var elements: [JSONValue] = []
    skipWhitespace()
    if peek() == UInt8(ascii: "]") { position += 1; return .array(elements) }
    while true {
      skipWhitespace()
      elements.append(try parseValue(depth: depth + 1))
      skipWhitespace()
      switch peek() {
      case UInt8(ascii: ","): position += 1
      case UInt8(ascii: "]"): position += 1; return .array(elements)
      default: throw error("expected ',' or ']'")
      }
    }
  }

  mutating func parseNumber() throws(JSONValue.ParseError) -> JSONValue {
    let start = position
    func digits(_ p: inout Parser) -> Int {
      let s = p.position
      while let b = p.peek(), b >= UInt8(ascii: "0"), b <= UInt8(ascii: "9") { p.position += 1 }
      return p.position - s
    }
    if peek() == UInt8(ascii: "-") { position += 1 }
    if peek() == UInt8(ascii: "0") {
      position += 1
    } else if digits(&self) == 0 {
      throw error("invalid number")
    }
    if peek() == UInt8(ascii: ".") {
      position += 1
      guard digits(&self) > 0 else { throw error("invalid number") }
    }
    if peek() == UInt8(ascii: "e") || peek() == UInt8(ascii: "E") {
      position += 1
      if peek() == UInt8(ascii: "+") || peek() == UInt8(ascii: "-") { position += 1 }
      guard digits(&self) > 0 else { throw error("invalid number") }
    }
    return .number(String(decoding: bytes[start..<position], as: UTF8.self))
  }

  mutating func parseHex4() throws(JSONValue.ParseError) -> UInt32 {
    guard position + 4 <= bytes.count else { throw error("truncated \\u escape") }
    var value: UInt32 = 0
    for _ in 0..<4 {
      let b = bytes[position]
      let digit: UInt32
      switch b {
      case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(b - UInt8(ascii: "0"))
      case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(b - UInt8(ascii: "a") + 10)
      case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(b - UInt8(ascii: "A") + 10)
      default: throw error("invalid \\u escape")
      }
      value = value << 4 | digit
      position += 1
    }
    return value
  }

  mutating func parseString() throws(JSONValue.ParseError) -> String {
    position += 1
    var scalars = String.UnicodeScalarView()
    var runStart = position
    func flushRun(_ p: Parser, into scalars: inout String.UnicodeScalarView) throws(JSONValue.ParseError) {
      guard runStart < p.position else { return }
      guard let text = String(validating: p.bytes[runStart..<p.position], as: UTF8.self) else {
        throw p.error("invalid UTF-8 in string")
      }
      scalars.append(contentsOf: text.unicodeScalars)
    }
    while true {
      guard let byte = peek() else { throw error("unterminated string") }
      switch byte {
      case UInt8(ascii: "\""):
        if scalars.isEmpty {  // no escape so far (each appends a scalar): the run is the whole string
          guard let text = String(validating: bytes[runStart..<position], as: UTF8.self) else { throw error("invalid UTF-8 in string") }
          position += 1
          return text
        }
        try flushRun(self, into: &scalars)
        position += 1
        return String(scalars)
      case UInt8(ascii: "\\"):
        try flushRun(self, into: &scalars)
        position += 1
        guard let escape = peek() else { throw error("unterminated escape") }
        position += 1
        switch escape {
        case UInt8(ascii: "\""): scalars.append("\"")
        case UInt8(ascii: "\\"): scalars.append("\\")
        case UInt8(ascii: "/"): scalars.append("/")
        case UInt8(ascii: "b"): scalars.append("\u{08}")
        case UInt8(ascii: "f"): scalars.append("\u{0C}")
        case UInt8(ascii: "n"): scalars.append("\n")
        case UInt8(ascii: "r"): scalars.append("\r")
        case UInt8(ascii: "t"): scalars.append("\t")
        case UInt8(ascii: "u"):
          var code = try parseHex4()
          if (0xD800..<0xDC00).contains(code) {
            guard peek() == UInt8(ascii: "\\"), position + 1 < bytes.count, bytes[position + 1] == UInt8(ascii: "u")
            else { throw error("lone leading surrogate in \\u escape") }
            position += 2
            let low = try parseHex4()
            guard (0xDC00..<0xE000).contains(low) else { throw error("invalid trailing surrogate in \\u escape") }
            code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
          } else if (0xDC00..<0xE000).contains(code) {
            throw error("lone trailing surrogate in \\u escape")
          }
          guard let scalar = Unicode.Scalar(code) else { throw error("invalid \\u escape") }
          scalars.append(scalar)
        default:
          position -= 1
          throw error("invalid escape")
        }
        runStart = position
      case 0x00..<0x20:
        throw error("control character in string")
      default:
        position += 1
      }
    }
  }
}

// MARK: - Canonical serialisation

extension JSONValue {
  /// Canonical JSON text: object keys sorted by UTF-8 bytes (the same order as code points), no whitespace, non-ASCII escaped as `\uXXXX`,
  /// integers as written, other numbers in shortest round-trip form — the same bytes for the same value.
  public var canonicalText: String {
    var out = ""
    writeCanonical(to: &out)
    return out
  }

  private func writeCanonical(to out: inout String) {
    switch self {
    case .null: out += "null"
    case .bool(let b): out += b ? "true" : "false"
    case .number(let text):
      if let int = intValue {
        out += String(int)
      } else if let double = Double(text), double.isFinite {
        out += double == double.rounded() && abs(double) < 1e16 ? String(Int(double)) + ".0" : "\(double)"
      } else {
        out += text
      }
    case .string(let s): JSONValue.writeEscaped(s, to: &out)
    case .array(let elements):
      out += "["
      for (i, element) in elements.enumerated() {
        if i > 0 { out += "," }
        element.writeCanonical(to: &out)
      }
      out += "]"
    case .object(let members):
      out += "{"
      let sorted = members.sorted { $0.0.utf8.lexicographicallyPrecedes($1.0.utf8) }
      for (i, (key, value)) in sorted.enumerated() {
        if i > 0 { out += "," }
        JSONValue.writeEscaped(key, to: &out)
        out += ":"
        value.writeCanonical(to: &out)
      }
      out += "}"
    }
  }

  /// Writes `s` as a JSON string literal, escaping as Python's `json.dumps` does by default.
  public static func writeEscaped(_ s: String, to out: inout String) {
    out += "\""
    for scalar in s.unicodeScalars {
      switch scalar {
      case "\"": out += "\\\""
      case "\\": out += "\\\\"
      case "\n": out += "\\n"
      case "\r": out += "\\r"
      case "\t": out += "\\t"
      case "\u{08}": out += "\\b"
      case "\u{0C}": out += "\\f"
      default:
        if scalar.value >= 0x20 && scalar.value < 0x7F {
          out.unicodeScalars.append(scalar)
        } else if scalar.value < 0x10000 {
          out += hex4(scalar.value)
        } else {
          let v = scalar.value - 0x10000
          out += hex4(0xD800 + (v >> 10)) + hex4(0xDC00 + (v & 0x3FF))
        }
      }
    }
    out += "\""
  }

  private static func hex4(_ v: UInt32) -> String {
    let digits = String(v, radix: 16)
    return "\\u" + String(repeating: "0", count: 4 - digits.count) + digits
  }
}

// MARK: - Byte-exact keys

/// A string hashed, compared and ordered by its UTF-8 bytes — what a JSON key, a tensor name or a file name
/// is in every format we read. Use it instead of `String` as a `Set` element or `Dictionary` key wherever two
/// names must be the same bytes to be the same name (Swift's `String` equality is canonical equivalence).
public struct UTF8Key: Hashable, Comparable, Sendable, CustomStringConvertible {
  public let bytes: [UInt8]
  public init(_ string: String) { bytes = Array(string.utf8) }
  public var string: String { String(decoding: bytes, as: UTF8.self) }
  public var description: String { string }
  public static func < (a: UTF8Key, b: UTF8Key) -> Bool { a.bytes.lexicographicallyPrecedes(b.bytes) }
}

extension JSONValue {
  /// True when some number in the value is outside the range of a `Double` (`1e400`, a 400-digit integer):
  /// serde_json, and so the safetensors reference, refuses the whole document ("number out of range").
  public var hasNumberOutOfRange: Bool {
    var stack: [JSONValue] = [self]
    while let value = stack.popLast() {
      switch value {
      case .number(let text):
        // Below 309 digits without an exponent a number is finite: skip the conversion for the common case.
        let hasExponent = text.utf8.contains { $0 == UInt8(ascii: "e") || $0 == UInt8(ascii: "E") }
        if (hasExponent || text.utf8.count > 300), let double = Double(text), double.isInfinite { return true }
      case .array(let elements): stack.append(contentsOf: elements)
      case .object(let members): stack.append(contentsOf: members.lazy.map(\.1))
      default: break
      }
    }
    return false
  }
}
