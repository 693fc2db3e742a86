/// `text` with every character that could break an error line or drive a terminal written as an escape:
/// control characters (C0, DEL, C1) as `\n`, `\r`, `\t` or `\u{1B}`, and likewise line and paragraph separators
/// and bidirectional-override controls.
///
/// Errors quote what a file holds — tensor and shard names, pickle globals, keys — so each error type's
/// description passes through this: one error stays one printable line whatever the file contains.
public func escapingControlCharacters(_ text: String) -> String {
  guard text.unicodeScalars.contains(where: needsEscape) else { return text }
  var out = ""
  for scalar in text.unicodeScalars {
    guard needsEscape(scalar) else {
      out.unicodeScalars.append(scalar)
      continue
    }
    switch scalar {
    case "\n": out += "\\n"
    case "\r": out += "\\r"
    case "\t": out += "\\t"
    default: out += "\\u{" + String(scalar.value, radix: 16, uppercase: true) + "}"
    }
  }
  return out
}

private func needsEscape(_ scalar: Unicode.Scalar) -> Bool {
  switch scalar.value {
  case 0x00..<0x20, 0x7F..<0xA0: true  // C0, DEL, C1
  case 0x2028, 0x2029: true  // line and paragraph separators
  case 0x200E, 0x200F, 0x202A...0x202E, 0x2066...0x2069: true  // bidirectional marks, embeddings, overrides, isolates
  default: false
  }
}
