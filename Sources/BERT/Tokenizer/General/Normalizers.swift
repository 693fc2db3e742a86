import Foundation

/// The normalizers of tokenizer.json that the general pipeline runs (tokenizers' `normalizers/*.rs`), each on a
/// ``NormalizedString`` so offsets follow.
indirect enum GeneralNormalizer: Sendable {
  case sequence([GeneralNormalizer])
  case precompiled(PrecompiledCharsmap)
  /// `Strip`: Rust whitespace on the left and/or right.
  case strip(left: Bool, right: Bool)
  /// `Replace` of every match of a literal string or a regular expression.
  case replace(ReplacePattern, content: [UInt32])
  case prepend([UInt32])
  case lowercase
  /// `NFC`, `NFD`, `NFKC`, `NFKD`.
  case unicode(UnicodeForm)
  /// `BertNormalizer`, run as the WordPiece path runs it.
  case bert(BertNormalizer)

  enum UnicodeForm: Sendable { case nfc, nfd, nfkc, nfkd }

  func normalize(_ s: inout NormalizedString, tables: CharacterTables) {
    switch self {
    case .sequence(let steps):
      for step in steps { step.normalize(&s, tables: tables) }
    case .precompiled(let map):
      map.normalize(&s)
    case .strip(let left, let right):
      let leading = left ? s.chars.prefix { isRustWhitespace($0) }.count : 0
      guard leading < s.count else {
        if leading > 0 || right && !s.isEmpty { s = NormalizedString(chars: [], spans: []) }
        return
      }
      let trailing = right ? s.chars.reversed().prefix { isRustWhitespace($0) }.count : 0
      s = s.slice(leading..<(s.count - trailing))
    case .replace(let pattern, let content):
      s.replace(pattern.matches(in: s.chars), with: content)
    case .prepend(let content):
      s.prepend(content)
    case .lowercase:
      var output: [(UInt32, Int)] = []
      for c in s.chars {
        let lower = lowercased(c, tables: tables)
        for (k, l) in lower.enumerated() { output.append((l, k == 0 ? 0 : 1)) }
      }
      s.transform(output)
    case .unicode(.nfd):
      GeneralNormalizer.bert(.nfd).normalize(&s, tables: tables)
    case .unicode(let form):
      normalizeUnicode(&s, form)
    case .bert(let normalizer):
      var sink = SpanSink(source: s.spans)
      let (bytes, _) = s.utf8()
      bytes.withUnsafeBufferPointer { normalizer.normalize($0, tables: tables, into: &sink) }
      s = sink.result
    }
  }

  /// Rust's `char::to_lowercase`, from the WordPiece tables where they have it.
  private func lowercased(_ c: UInt32, tables: CharacterTables) -> [UInt32] {
    if c < 0x80 { return [(0x41...0x5A).contains(c) ? c | 0x20 : c] }
    if tables.properties(c).contains(.lowercases), let mapping = tables.lowercase(of: c) {
      return (Int(mapping.start)..<Int(mapping.start + mapping.count)).map { tables.parts[$0] }
    }
    guard let scalar = Unicode.Scalar(c) else { return [c] }
    return String(scalar).lowercased().unicodeScalars.map(\.value)
  }

  /// NFC/NFKC/NFKD (NFD has tokenizers' own tables, see `BertNormalizer.nfd`) over runs between starters, with
  /// Foundation's Unicode tables; a run's output is aligned one to one, extra characters inserted, missing ones
  /// consumed by the last. Approximate: tokenizers' crate has older Unicode tables and aligns reordered and
  /// composed runs differently, so characters assigned after its Unicode version, and runs of marks that
  /// compose or reorder, may differ (docs/ARCHITECTURE.md; TokenizerNormalizerTests measures it).
  private func normalizeUnicode(_ s: inout NormalizedString, _ form: UnicodeForm) {
    var output: [(UInt32, Int)] = []
    var run: [UInt32] = []
    func flushRun() {
      guard !run.isEmpty else { return }
      var text = String.UnicodeScalarView()
      for c in run { text.append(Unicode.Scalar(c) ?? "\u{FFFD}") }
      let string = String(text)
      let normalized: String
      switch form {
      case .nfc: normalized = string.precomposedStringWithCanonicalMapping
      case .nfd: normalized = string.decomposedStringWithCanonicalMapping
      case .nfkc: normalized = string.precomposedStringWithCompatibilityMapping
      case .nfkd: normalized = string.decomposedStringWithCompatibilityMapping
      }
      let out = normalized.unicodeScalars.map(\.value)
      let common = min(out.count, run.count)
      for k in 0..<out.count {
        output.append((out[k], k < common ? 0 : 1))
      }
      if run.count > out.count, !output.isEmpty { output[output.count - 1].1 -= run.count - out.count }
      run.removeAll()
    }
    for c in s.chars {
      let isStarter = Unicode.Scalar(c).map { $0.properties.canonicalCombiningClass.rawValue == 0 } ?? true
      if isStarter { flushRun() }
      run.append(c)
    }
    flushRun()
    s.transform(output)
  }
}

/// Collects what the BERT normalizer outputs, aligned through the spans of its input.
private struct SpanSink: NormalizedCharacterSink {
  let source: [TokenSpan]
  var result = NormalizedString()

  mutating func accept(_ c: UInt32, _ properties: UnicodeProperties, origin: Int32) {
    result.chars.append(c)
    result.spans.append(Int(origin) < source.count ? source[Int(origin)] : .none)
  }
}

/// What `Replace` and `Split` look for: a literal string, or a regular expression.
enum ReplacePattern: Sendable {
  case literal([UInt32])
  /// A regular expression (ICU's, which agrees with Oniguruma on the patterns tokenizer.json files use).
  case regex(RegexBox)

  /// Non-overlapping matches, leftmost first, as character ranges.
  func matches(in chars: [UInt32]) -> [Range<Int>] {
    switch self {
    case .literal(let needle):
      guard !needle.isEmpty, needle.count <= chars.count else { return [] }
      var out: [Range<Int>] = []
      var i = 0
      while i + needle.count <= chars.count {
        if chars[i..<(i + needle.count)].elementsEqual(needle) {
          out.append(i..<(i + needle.count))
          i += needle.count
        } else {
          i += 1
        }
      }
      return out
    case .regex(let box):
      return box.matches(in: chars)
    }
  }
}

/// An `NSRegularExpression` (immutable once made, so shared across threads).
final class RegexBox: @unchecked Sendable {
  let expression: NSRegularExpression

  init(_ pattern: String) throws {
    expression = try NSRegularExpression(pattern: pattern, options: [])
  }

  func matches(in chars: [UInt32]) -> [Range<Int>] {
    var text = String.UnicodeScalarView()
    // UTF-16 offset of every character, to turn NSRange back into character indices.
    var utf16Start: [Int] = []
    utf16Start.reserveCapacity(chars.count + 1)
    var u = 0
    for c in chars {
      let scalar = Unicode.Scalar(c) ?? "\u{FFFD}"
      text.append(scalar)
      utf16Start.append(u)
      u += scalar.utf16.count
    }
    utf16Start.append(u)
    let string = String(text)
    var index: [Int: Int] = [:]
    for (k, start) in utf16Start.enumerated() { index[start] = k }
    return expression.matches(in: string, range: NSRange(location: 0, length: u)).compactMap { m in
      guard m.range.length > 0, let start = index[m.range.location], let end = index[m.range.location + m.range.length] else { return nil }
      return start..<end
    }
  }
}
