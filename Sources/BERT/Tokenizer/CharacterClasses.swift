/// What BertNormalizer and BertPreTokenizer do with one code point, as HuggingFace `tokenizers` decides it.
///
/// The bits match golden/tokenizer/make_unicode_tables.py, which reads them off the library itself.
struct UnicodeProperties: OptionSet, Sendable {
  let rawValue: UInt16

  /// `clean_text` drops it: NUL, U+FFFD, and control / format / private-use characters except `\t \n \r`.
  static let cleanRemove = UnicodeProperties(rawValue: 1 << 0)
  /// `clean_text` turns it into a plain space.
  static let cleanSpace = UnicodeProperties(rawValue: 1 << 1)
  /// `handle_chinese_chars` puts spaces around it (the CJK ideograph blocks, as the Rust crate lists them).
  static let chinese = UnicodeProperties(rawValue: 1 << 2)
  /// NFD changes it (a Hangul syllable, or an entry of ``CharacterTables/decomposition(of:)``).
  static let decomposes = UnicodeProperties(rawValue: 1 << 3)
  /// A non-zero canonical combining class that NFD reorders by.
  static let reorders = UnicodeProperties(rawValue: 1 << 4)
  /// `strip_accents` drops it (a non-spacing mark in the Rust crate's tables).
  static let nonspacing = UnicodeProperties(rawValue: 1 << 5)
  /// `lowercase` changes it.
  static let lowercases = UnicodeProperties(rawValue: 1 << 6)
  /// BertPreTokenizer splits on it and drops it.
  static let whitespace = UnicodeProperties(rawValue: 1 << 7)
  /// BertPreTokenizer makes it a word of its own.
  static let punctuation = UnicodeProperties(rawValue: 1 << 8)
  /// Regex `\w`: an added token with `single_word` must not touch one.
  static let word = UnicodeProperties(rawValue: 1 << 9)
  /// Regex `\s`: what an added token's `lstrip` / `rstrip` swallows.
  static let regexSpace = UnicodeProperties(rawValue: 1 << 10)
}

/// The tables of UnicodeTables.swift, decoded once into a two-stage lookup and small maps.
final class CharacterTables: @unchecked Sendable {
  // @unchecked: every stored property is written in `init` only; the buffers are owned and freed here.

  /// The tables every tokenizer shares.
  static let shared = CharacterTables()

  /// A slice of ``parts``.
  struct Mapping {
    var start: Int32
    var count: Int32
  }

  private static let blockShift: UInt32 = 8
  private static let blockSize = 1 << 8
  private static let blockCount = 0x110000 >> 8

  /// Block number of each 256-code-point block.
  private let stage1: UnsafeMutableBufferPointer<UInt16>
  /// The distinct blocks, `blockSize` properties each.
  private let stage2: UnsafeMutableBufferPointer<UInt16>
  private let decompositions: [UInt32: Mapping]
  private let lowercaseMappings: [UInt32: Mapping]
  private let combiningClasses: [UInt32: UInt8]
  /// The scalars that decompositions and lowercase mappings point into.
  let parts: UnsafeMutableBufferPointer<UInt32>

  private init() {
    // Expand the ranges into one properties value per code point, then share identical blocks.
    var all = [UInt16](repeating: 0, count: 0x110000)
    HexRecords.forEach(in: UnicodeTables.properties) { fields in
      // "first-last:flags" or "first:flags"
      let first = fields[0], last = fields.count == 3 ? fields[1] : fields[0], flags = UInt16(fields[fields.count - 1])
      for c in Int(first)...Int(last) { all[c] = flags }
    }
    var blockIndex: [[UInt16]: UInt16] = [:]
    var blocks: [UInt16] = []
    let s1 = UnsafeMutableBufferPointer<UInt16>.allocate(capacity: Self.blockCount)
    for b in 0..<Self.blockCount {
      let block = Array(all[(b << 8)..<((b + 1) << 8)])
      if let index = blockIndex[block] {
        s1[b] = index
      } else {
        let index = UInt16(blockIndex.count)
        blockIndex[block] = index
        blocks += block
        s1[b] = index
      }
    }
    stage1 = s1
    stage2 = UnsafeMutableBufferPointer<UInt16>.allocate(capacity: blocks.count)
    _ = stage2.initialize(from: blocks)

    var flat: [UInt32] = []
    func mappings(_ text: StaticString) -> [UInt32: Mapping] {
      var map: [UInt32: Mapping] = [:]
      HexRecords.forEach(in: text) { fields in
        map[fields[0]] = Mapping(start: Int32(flat.count), count: Int32(fields.count - 1))
        flat += fields.dropFirst()
      }
      return map
    }
    decompositions = mappings(UnicodeTables.decompositions)
    lowercaseMappings = mappings(UnicodeTables.lowercase)
    parts = UnsafeMutableBufferPointer<UInt32>.allocate(capacity: flat.count)
    _ = parts.initialize(from: flat)
    var classes: [UInt32: UInt8] = [:]
    HexRecords.forEach(in: UnicodeTables.combiningClasses) { classes[$0[0]] = UInt8($0[1]) }
    combiningClasses = classes
  }

  deinit {
    stage1.deallocate()
    stage2.deallocate()
    parts.deallocate()
  }

  /// The properties of a Unicode scalar value.
  @inline(__always)
  func properties(_ c: UInt32) -> UnicodeProperties {
    let block = Int(stage1[Int(c &>> Self.blockShift)])
    return UnicodeProperties(rawValue: stage2[block &<< 8 | Int(c & 0xFF)])
  }

  /// The full canonical decomposition of a character flagged ``UnicodeProperties/decomposes`` that is not a
  /// Hangul syllable.
  @inline(__always)
  func decomposition(of c: UInt32) -> Mapping? { decompositions[c] }

  /// `char::to_lowercase` of a character flagged ``UnicodeProperties/lowercases``.
  @inline(__always)
  func lowercase(of c: UInt32) -> Mapping? { lowercaseMappings[c] }

  /// The canonical combining class of a character flagged ``UnicodeProperties/reorders``.
  @inline(__always)
  func combiningClass(of c: UInt32) -> UInt8 { combiningClasses[c] ?? 0 }
}

/// Reads the `;`-separated records of UnicodeTables.swift: hex numbers separated by any of `- : > = space`.
enum HexRecords {
  static func forEach(in text: StaticString, _ body: ([UInt32]) -> Void) {
    var fields: [UInt32] = []
    var value: UInt32 = 0
    var inNumber = false
    let bytes = UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount)
    for byte in bytes {
      switch byte {
      case UInt8(ascii: "0")...UInt8(ascii: "9"):
        value = value << 4 | UInt32(byte - UInt8(ascii: "0"))
        inNumber = true
      case UInt8(ascii: "A")...UInt8(ascii: "F"):
        value = value << 4 | UInt32(byte - UInt8(ascii: "A") + 10)
        inNumber = true
      case UInt8(ascii: "\n"):
        continue  // line breaks only wrap the literal
      default:
        if inNumber {
          fields.append(value)
          value = 0
          inNumber = false
        }
        if byte == UInt8(ascii: ";"), !fields.isEmpty {
          body(fields)
          fields.removeAll(keepingCapacity: true)
        }
      }
    }
    if inNumber { fields.append(value) }
    if !fields.isEmpty { body(fields) }
  }
}

/// Hangul syllables decompose by arithmetic (Unicode §3.12), as the NFD crate does.
enum Hangul {
  static let syllableBase: UInt32 = 0xAC00
  static let syllableCount: UInt32 = 11172
  static let leadBase: UInt32 = 0x1100
  static let vowelBase: UInt32 = 0x1161
  static let trailBase: UInt32 = 0x11A7
  static let vowelCount: UInt32 = 21
  static let trailCount: UInt32 = 28

  @inline(__always)
  static func isSyllable(_ c: UInt32) -> Bool { c &- syllableBase < syllableCount }
}

/// The scalar whose UTF-8 starts at `p[i]` (the text is valid UTF-8, as every Swift `String` is); moves `i` past it.
@inline(__always)
func decodeUTF8(_ p: UnsafePointer<UInt8>, at i: inout Int) -> UInt32 {
  let b = UInt32(p[i])
  if b < 0x80 {
    i &+= 1
    return b
  } else if b < 0xE0 {
    defer { i &+= 2 }
    return (b & 0x1F) << 6 | UInt32(p[i &+ 1] & 0x3F)
  } else if b < 0xF0 {
    defer { i &+= 3 }
    return (b & 0x0F) << 12 | UInt32(p[i &+ 1] & 0x3F) << 6 | UInt32(p[i &+ 2] & 0x3F)
  } else {
    defer { i &+= 4 }
    return (b & 0x07) << 18 | UInt32(p[i &+ 1] & 0x3F) << 12 | UInt32(p[i &+ 2] & 0x3F) << 6 | UInt32(p[i &+ 3] & 0x3F)
  }
}
