/// tokenizers' `NormalizedString` at character granularity: the normalized characters, each with the span of
/// original characters (Unicode scalar indices) it is aligned to.
///
/// Every change goes through ``transform(_:initialOffset:)``, which assigns alignments exactly as tokenizers'
/// `transform_range` does: an output character with change 0 or less takes the alignment of the next input
/// character (and a negative change consumes that many more), a character with a positive change is inserted
/// and shares the alignment of the input character before it.
struct NormalizedString: Sendable, Equatable {
  var chars: [UInt32] = []
  var spans: [TokenSpan] = []

  init() {}

  init(chars: [UInt32], spans: [TokenSpan]) {
    self.chars = chars
    self.spans = spans
  }

  /// Original text, each character aligned to itself; `base` is the index of the first.
  init(_ scalars: some Sequence<UInt32>, base: Int) {
    var i = base
    for c in scalars {
      chars.append(c)
      spans.append(TokenSpan(start: i, end: i + 1))
      i += 1
    }
  }

  var count: Int { chars.count }
  var isEmpty: Bool { chars.isEmpty }

  /// The characters `range`, with their alignments.
  func slice(_ range: Range<Int>) -> NormalizedString {
    NormalizedString(chars: Array(chars[range]), spans: Array(spans[range]))
  }

  /// The original span of the normalized characters `range` (tokenizers' `convert_offsets`).
  func originalSpan(_ range: Range<Int>) -> TokenSpan {
    guard !range.isEmpty else {
      if chars.isEmpty { return spans.first ?? .none }
      let at = min(range.lowerBound, spans.count - 1)
      return TokenSpan(start: spans[at].start, end: spans[at].start)
    }
    return TokenSpan(start: spans[range.lowerBound].start, end: spans[range.upperBound - 1].end)
  }

  /// Replaces the characters with `output`, each with its change (see the type's description), after skipping
  /// `initialOffset` input characters.
  mutating func transform(_ output: [(UInt32, Int)], initialOffset: Int = 0) {
    var newSpans: [TokenSpan] = []
    newSpans.reserveCapacity(output.count)
    var index = initialOffset
    for (_, change) in output {
      let span: TokenSpan
      if change > 0 {
        span = index >= 1 && index - 1 < spans.count ? spans[index - 1] : .none
      } else {
        span = index < spans.count ? spans[index] : (spans.last ?? .none)
        index += 1 - change
      }
      newSpans.append(span)
    }
    chars = output.map(\.0)
    spans = newSpans
  }

  /// Replaces the characters `range` with `content`, every new character aligned to the last replaced one
  /// (tokenizers' `replace`).
  mutating func replace(_ range: Range<Int>, with content: [UInt32]) {
    let span = range.isEmpty ? (range.lowerBound > 0 ? spans[range.lowerBound - 1] : .none) : spans[range.upperBound - 1]
    chars.replaceSubrange(range, with: content)
    spans.replaceSubrange(range, with: repeatElement(span, count: content.count))
  }

  /// Replaces each of the ascending, disjoint `ranges` as ``replace(_:with:)`` does, in one pass.
  mutating func replace(_ ranges: [Range<Int>], with content: [UInt32]) {
    guard !ranges.isEmpty else { return }
    var newChars: [UInt32] = [], newSpans: [TokenSpan] = []
    newChars.reserveCapacity(chars.count)
    newSpans.reserveCapacity(chars.count)
    var at = 0
    for range in ranges {
      newChars += chars[at..<range.lowerBound]
      newSpans += spans[at..<range.lowerBound]
      let span = range.isEmpty ? (range.lowerBound > 0 ? spans[range.lowerBound - 1] : .none) : spans[range.upperBound - 1]
      newChars += content
      newSpans += repeatElement(span, count: content.count)
      at = range.upperBound
    }
    newChars += chars[at...]
    newSpans += spans[at...]
    chars = newChars
    spans = newSpans
  }

  /// Puts `content` in front, aligned to the first character (tokenizers' `prepend`); nothing when empty.
  mutating func prepend(_ content: [UInt32]) {
    guard let first = spans.first else { return }
    chars.insert(contentsOf: content, at: 0)
    spans.insert(contentsOf: repeatElement(first, count: content.count), at: 0)
  }

  /// The normalized text as UTF-8, with the character index of each byte.
  func utf8() -> (bytes: [UInt8], characterOfByte: [Int]) {
    var bytes: [UInt8] = []
    var characters: [Int] = []
    bytes.reserveCapacity(chars.count)
    for (k, c) in chars.enumerated() {
      guard let scalar = Unicode.Scalar(c) else { continue }
      for b in UTF8.encode(scalar)! {
        bytes.append(b)
        characters.append(k)
      }
    }
    return (bytes, characters)
  }
}

/// Rust's `char::is_whitespace` (the White_Space property).
@inline(__always)
func isRustWhitespace(_ c: UInt32) -> Bool {
  switch c {
  case 0x09...0x0D, 0x20, 0x85, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000: true
  default: false
  }
}
