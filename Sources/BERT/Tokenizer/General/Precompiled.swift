import Foundation

/// sentencepiece's precompiled normalization (tokenizers' `Precompiled` normalizer, `precompiled_charsmap`): a
/// Darts double-array trie over UTF-8 keys whose values index NUL-terminated replacements in a blob.
///
/// Layout (huggingface/spm_precompiled): base64 of a little-endian u32 trie size in bytes, the trie's u32 units,
/// then the blob. The bytes come from an untrusted file: every unit and blob read is bounds-checked, and a
/// lookup that would leave the arrays finds nothing.
struct PrecompiledCharsmap: Sendable, Equatable {
  private let units: [UInt32]
  private let blob: [UInt8]

  /// - Returns: `nil` with the reason when the data is not a charsmap.
  static func parse(base64: String) -> Result<PrecompiledCharsmap, PrecompiledError> {
    guard let data = Data(base64Encoded: base64) else { return .failure(PrecompiledError("precompiled_charsmap is not base64")) }
    let bytes = [UInt8](data)
    guard bytes.count >= 4 else { return .failure(PrecompiledError("precompiled_charsmap is \(bytes.count) bytes")) }
    let trieSize = Int(UInt32(bytes[0]) | UInt32(bytes[1]) << 8 | UInt32(bytes[2]) << 16 | UInt32(bytes[3]) << 24)
    guard trieSize % 4 == 0, trieSize >= 4, trieSize <= bytes.count - 4 else {
      return .failure(PrecompiledError("precompiled_charsmap: trie size \(trieSize) does not fit its \(bytes.count) bytes"))
    }
    var units: [UInt32] = []
    units.reserveCapacity(trieSize / 4)
    var i = 4
    while i < 4 + trieSize {
      units.append(UInt32(bytes[i]) | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2]) << 16 | UInt32(bytes[i + 3]) << 24)
      i += 4
    }
    return .success(PrecompiledCharsmap(units: units, blob: Array(bytes[(4 + trieSize)...])))
  }

  private init(units: [UInt32], blob: [UInt8]) {
    self.units = units
    self.blob = blob
  }

  @inline(__always) private static func hasLeaf(_ u: UInt32) -> Bool { (u >> 8) & 1 == 1 }
  @inline(__always) private static func value(_ u: UInt32) -> Int { Int(u & 0x7FFF_FFFF) }
  @inline(__always) private static func label(_ u: UInt32) -> UInt32 { u & 0x8000_00FF }
  @inline(__always) private static func offset(_ u: UInt32) -> Int { Int((u >> 10) << ((u & 0x200) >> 6)) }

  /// The replacement for the first (shortest) key that `key` starts with, if any.
  func lookup(_ key: some Collection<UInt8>) -> [UInt32]? {
    guard let root = units.first else { return nil }
    var pos = Self.offset(root)
    for c in key {
      if c == 0 { break }
      pos ^= Int(c)
      guard pos < units.count else { return nil }
      let unit = units[pos]
      guard Self.label(unit) == UInt32(c) else { return nil }
      pos ^= Self.offset(unit)
      guard pos < units.count else { return nil }
      if Self.hasLeaf(unit) { return replacement(at: Self.value(units[pos])) }
    }
    return nil
  }

  private func replacement(at index: Int) -> [UInt32]? {
    guard index < blob.count else { return nil }
    var end = index
    while end < blob.count, blob[end] != 0 { end += 1 }
    guard let text = String(validating: blob[index..<end], as: UTF8.self) else { return nil }
    return text.unicodeScalars.map(\.value)
  }

  /// tokenizers' `Precompiled::normalize`: each extended grapheme cluster shorter than 6 bytes is looked up
  /// whole (the first match replaces the whole cluster); otherwise each character is looked up alone.
  func normalize(_ s: inout NormalizedString) {
    var output: [(UInt32, Int)] = []
    output.reserveCapacity(s.count)
    var modified = false
    func replace(oldCount: Int, with new: [UInt32]) {
      let diff = new.count - oldCount
      output += new.map { ($0, 0) }
      if diff > 0 {
        for k in (output.count - diff)..<output.count { output[k].1 = 1 }
      } else if diff < 0, !output.isEmpty {
        output[output.count - 1].1 += diff
      }
    }
    var text = String.UnicodeScalarView()
    for c in s.chars { text.append(Unicode.Scalar(c) ?? "\u{FFFD}") }
    for grapheme in String(text) {
      let scalars = grapheme.unicodeScalars
      let utf8 = Array(String(grapheme).utf8)
      if utf8.count < 6, let norm = lookup(utf8) {
        modified = true
        replace(oldCount: scalars.count, with: norm)
        continue
      }
      for scalar in scalars {
        if let norm = lookup(Array(String(scalar).utf8)) {
          modified = true
          replace(oldCount: 1, with: norm)
        } else {
          output.append((scalar.value, 0))
        }
      }
    }
    if modified { s.transform(output) }
  }
}

struct PrecompiledError: Error {
  var detail: String
  init(_ detail: String) { self.detail = detail }
}
