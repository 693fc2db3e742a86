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

/// Scalar offsets of increasing byte offsets into one UTF-8 buffer, counting only the bytes between calls: how a
/// tokenizer turns the byte ranges of added tokens and text pieces into HF's character offsets.
struct ScalarOffsets {
  let bytes: UnsafeBufferPointer<UInt8>
  private var scalars = 0, scalarsAt = 0

  init(_ bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

  /// The scalar index of byte offset `byte`, which must not be below the previous call's.
  mutating func index(_ byte: Int) -> Int {
    scalars += UnsafeBufferPointer(rebasing: bytes[scalarsAt..<byte]).scalarCount(upTo: byte - scalarsAt)
    scalarsAt = byte
    return scalars
  }
}
