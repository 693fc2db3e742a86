/// The characters of the input a token comes from, as HuggingFace's fast tokenizers give them
/// (`offset_mapping`): indices in Unicode scalars (Python `str` indices, not `Character`s or UTF-16), `end`
/// excluded. A token of the second text of a pair indexes that text. Special tokens and padding have (0, 0).
public struct TokenSpan: Sendable, Equatable, Hashable, CustomStringConvertible {
  public var start: Int
  public var end: Int

  public init(start: Int, end: Int) {
    self.start = start
    self.end = end
  }

  /// No characters: special tokens and padding.
  public static let none = TokenSpan(start: 0, end: 0)

  public var description: String { "(\(start), \(end))" }
}

extension UnsafeBufferPointer<UInt8> {
  /// The number of Unicode scalars in the first `byteCount` bytes of valid UTF-8.
  func scalarCount(upTo byteCount: Int) -> Int {
    var n = 0
    for i in 0..<byteCount where self[i] & 0xC0 != 0x80 { n += 1 }
    return n
  }
}
