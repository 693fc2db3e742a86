/// The pre-tokenizers of tokenizer.json that the general pipeline runs (tokenizers' `pre_tokenizers/*.rs`):
/// each turns every split into smaller splits, keeping alignments.
indirect enum GeneralPreTokenizer: Sendable {
  case sequence([GeneralPreTokenizer])
  /// GPT-2's byte-level split: optional prefix space, the GPT-2 regex, then every byte as a printable character.
  case byteLevel(addPrefixSpace: Bool, useRegex: Bool)
  case metaspace(replacement: UInt32, prepend: PrependScheme, split: Bool)
  /// Split on whitespace (dropped) and punctuation (kept, one character each).
  case bert
  /// Split on whitespace, dropped.
  case whitespaceSplit

  enum PrependScheme: Sendable { case always, first, never }

  func split(_ splits: [NormalizedString], tables: CharacterTables) -> [NormalizedString] {
    switch self {
    case .sequence(let steps):
      return steps.reduce(splits) { $1.split($0, tables: tables) }
    case .byteLevel(let addPrefixSpace, let useRegex):
      return splits.flatMap { s -> [NormalizedString] in
        var s = s
        if addPrefixSpace, s.chars.first != 0x20 { s.prepend([0x20]) }
        let pieces = useRegex ? ByteLevel.gpt2Split(s.chars).map { s.slice($0) } : [s]
        return pieces.map(ByteLevel.mapBytes)
      }
    case .metaspace(let replacement, let prepend, let split):
      return splits.flatMap { s -> [NormalizedString] in
        var s = s
        var output: [(UInt32, Int)] = []
        for c in s.chars { output.append((c == 0x20 ? replacement : c, 0)) }
        if s.chars.contains(0x20) { s.transform(output) }
        switch prepend {
        case .always where s.chars.first != replacement,
             .first where s.chars.first != replacement && s.spans.first?.start == 0:
          s.prepend([replacement])
        default:
          break
        }
        guard split else { return [s] }
        // MergedWithNext: every replacement character starts a split.
        var out: [NormalizedString] = []
        var start = 0
        for k in s.chars.indices where s.chars[k] == replacement && k > start {
          out.append(s.slice(start..<k))
          start = k
        }
        if start < s.count { out.append(s.slice(start..<s.count)) }
        return out
      }
    case .bert:
      return splits.flatMap { s -> [NormalizedString] in
        var out: [NormalizedString] = []
        var start = 0
        for (k, c) in s.chars.enumerated() {
          let props = tables.properties(c)
          if props.contains(.whitespace) || props.contains(.punctuation) {
            if start < k { out.append(s.slice(start..<k)) }
            if props.contains(.punctuation) { out.append(s.slice(k..<(k + 1))) }
            start = k + 1
          }
        }
        if start < s.count { out.append(s.slice(start..<s.count)) }
        return out
      }
    case .whitespaceSplit:
      return splits.flatMap { s -> [NormalizedString] in
        var out: [NormalizedString] = []
        var start = 0
        for (k, c) in s.chars.enumerated() where isRustWhitespace(c) {
          if start < k { out.append(s.slice(start..<k)) }
          start = k + 1
        }
        if start < s.count { out.append(s.slice(start..<s.count)) }
        return out
      }
    }
  }
}

/// GPT-2's byte-to-character map and regex (tokenizers' `pre_tokenizers/byte_level.rs`).
enum ByteLevel {
  /// The printable character standing for each byte.
  static let byteCharacter: [UInt32] = {
    var table = [UInt32](repeating: 0, count: 256)
    var n: UInt32 = 0
    for b in 0..<256 {
      if (0x21...0x7E).contains(b) || (0xA1...0xAC).contains(b) || (0xAE...0xFF).contains(b) {
        table[b] = UInt32(b)
      } else {
        table[b] = 256 + n
        n += 1
      }
    }
    return table
  }()

  /// Every character replaced by the characters of its UTF-8 bytes, all aligned to it.
  static func mapBytes(_ s: NormalizedString) -> NormalizedString {
    var output: [(UInt32, Int)] = []
    output.reserveCapacity(s.count)
    for c in s.chars {
      guard let scalar = Unicode.Scalar(c) else { continue }
      for (k, b) in UTF8.encode(scalar)!.enumerated() { output.append((byteCharacter[Int(b)], k == 0 ? 0 : 1)) }
    }
    var s = s
    s.transform(output)
    return s
  }

  private enum Class { case letter, number, space, other }

  private static func classify(_ c: UInt32) -> Class {
    if isRustWhitespace(c) { return .space }
    guard let scalar = Unicode.Scalar(c) else { return .other }
    switch scalar.properties.generalCategory {
    case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter: return .letter
    case .decimalNumber, .letterNumber, .otherNumber: return .number
    default: return .other
    }
  }

  /// The matches of `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`, each split
  /// kept (`Isolated`); characters between matches (there are none: the alternatives cover every character)
  /// would be kept too.
  static func gpt2Split(_ chars: [UInt32]) -> [Range<Int>] {
    let n = chars.count
    let classes = chars.map(classify)
    var out: [Range<Int>] = []
    var i = 0
    func run(from start: Int, _ cls: Class) -> Int {
      var j = start
      while j < n, classes[j] == cls { j += 1 }
      return j
    }
    while i < n {
      let c = chars[i]
      // Contractions.
      if c == 0x27, i + 1 < n {
        let c1 = chars[i + 1]
        if [0x73, 0x74, 0x6D, 0x64].contains(c1) {  // s t m d
          out.append(i..<(i + 2))
          i += 2
          continue
        }
        if i + 2 < n {
          let c2 = chars[i + 2]
          if (c1 == 0x72 && c2 == 0x65) || (c1 == 0x76 && c2 == 0x65) || (c1 == 0x6C && c2 == 0x6C) {  // re ve ll
            out.append(i..<(i + 3))
            i += 3
            continue
          }
        }
      }
      // ` ?\p{L}+`, ` ?\p{N}+`, ` ?[^\s\p{L}\p{N}]+`
      let body = c == 0x20 && i + 1 < n && classes[i + 1] != .space ? i + 1 : i
      let cls = classes[body]
      if cls != .space {
        let end = run(from: body, cls)
        out.append(i..<end)
        i = end
        continue
      }
      // `\s+(?!\S)` then `\s+`.
      let end = run(from: i, .space)
      if end == n || end - i == 1 {
        out.append(i..<end)
        i = end
      } else {
        out.append(i..<(end - 1))
        i = end - 1
      }
    }
    return out
  }
}
