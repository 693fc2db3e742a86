extension JSONValue {
  /// The text Python's `json.dumps(value, indent=2, sort_keys=True)` gives — how transformers writes
  /// `config.json` — with scalars spelled as in ``canonicalText`` (non-ASCII escaped, shortest round-trip numbers).
  public var indentedText: String {
    var out = ""
    writeIndented(to: &out, level: 0)
    return out
  }

  private func writeIndented(to out: inout String, level: Int) {
    let inner = String(repeating: "  ", count: level + 1)
    switch self {
    case .array(let elements) where !elements.isEmpty:
      out += "[\n"
      for (i, element) in elements.enumerated() {
        out += (i > 0 ? ",\n" : "") + inner
        element.writeIndented(to: &out, level: level + 1)
      }
      out += "\n" + String(repeating: "  ", count: level) + "]"
    case .object(let members) where !members.isEmpty:
      out += "{\n"
      let sorted = members.sorted { $0.0.unicodeScalars.lexicographicallyPrecedes($1.0.unicodeScalars) { $0.value < $1.value } }
      for (i, (key, value)) in sorted.enumerated() {
        out += (i > 0 ? ",\n" : "") + inner
        JSONValue.writeEscaped(key, to: &out)
        out += ": "
        value.writeIndented(to: &out, level: level + 1)
      }
      out += "\n" + String(repeating: "  ", count: level) + "}"
    default:
      out += canonicalText
    }
  }
}
