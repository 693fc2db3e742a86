/// A token a model made from one split: its id and the characters of the split it covers.
struct ModelToken {
  var id: Int32
  var range: Range<Int>
}

/// The models of tokenizer.json (tokenizers' `models/*`).
enum GeneralModel: Sendable {
  case bpe(BPEModel)
  case unigram(UnigramModel)
  case wordPiece(WordPieceModel)

  func tokenize(_ chars: [UInt32]) -> [ModelToken] {
    switch self {
    case .bpe(let model): return model.tokenize(chars)
    case .unigram(let model): return model.tokenize(chars)
    case .wordPiece(let model):
      let s = NormalizedString(chars, base: 0)
      let (bytes, characterOfByte) = s.utf8()
      var ids: [Int32] = []
      var ends: [Int] = []
      let known = chars.count <= model.maxInputCharsPerWord
        && bytes.withUnsafeBufferPointer { model.tokenize($0, into: &ids, ends: &ends) }
      guard known, !chars.isEmpty else { return chars.isEmpty ? [] : [ModelToken(id: model.unknownID, range: 0..<chars.count)] }
      var start = 0
      return zip(ids, ends).map { id, end in
        defer { start = characterOfByte[end - 1] + 1 }
        return ModelToken(id: id, range: start..<(characterOfByte[end - 1] + 1))
      }
    }
  }
}

/// tokenizers' BPE: every character a symbol, then the ranked merges, lowest rank (leftmost among equals)
/// first, until none applies.
struct BPEModel: Sendable {
  struct Pair: Hashable, Sendable {
    var left: Int32
    var right: Int32
  }

  let vocabulary: [String: Int32]
  /// (left, right) → (rank, merged id).
  let merges: [Pair: (rank: Int32, id: Int32)]
  let unknownID: Int32?
  let continuingSubwordPrefix: String
  let endOfWordSuffix: String
  let fuseUnknown: Bool
  let byteFallback: Bool
  let ignoreMerges: Bool

  func tokenize(_ chars: [UInt32]) -> [ModelToken] {
    guard !chars.isEmpty else { return [] }
    if ignoreMerges, let id = vocabulary[string(chars[...])] { return [ModelToken(id: id, range: 0..<chars.count)] }
    var symbols: [ModelToken] = []
    symbols.reserveCapacity(chars.count)
    for (k, c) in chars.enumerated() {
      var piece = String(Unicode.Scalar(c).map(Character.init) ?? "\u{FFFD}")
      if k > 0 { piece = continuingSubwordPrefix + piece }
      if k == chars.count - 1 { piece += endOfWordSuffix }
      if let id = vocabulary[piece] {
        symbols.append(ModelToken(id: id, range: k..<(k + 1)))
      } else if byteFallback, let bytes = byteTokens(c) {
        for id in bytes { symbols.append(ModelToken(id: id, range: k..<(k + 1))) }
      } else if let unk = unknownID {
        if fuseUnknown, let last = symbols.last, last.id == unk, last.range.upperBound == k {
          symbols[symbols.count - 1].range = last.range.lowerBound..<(k + 1)
        } else {
          symbols.append(ModelToken(id: unk, range: k..<(k + 1)))
        }
      }
    }
    return merge(symbols)
  }

  /// tokenizers' `Word::merge_all`: a heap of candidate merges by (rank, position); a popped merge whose
  /// symbols changed since it was pushed is skipped. O(n log n) in the word's length.
  private func merge(_ initial: [ModelToken]) -> [ModelToken] {
    var symbols = initial
    guard symbols.count > 1 else { return symbols }
    let n = symbols.count
    var next = Array(1...n)
    next[n - 1] = -1
    var previous = Array(-1..<(n - 1))
    var removed = [Bool](repeating: false, count: n)
    var heap = MergeHeap()
    for i in 0..<(n - 1) {
      if let m = merges[Pair(left: symbols[i].id, right: symbols[i + 1].id)] { heap.push((m.rank, Int32(i), m.id)) }
    }
    while let (_, at, newID) = heap.pop() {
      let pos = Int(at)
      guard !removed[pos] else { continue }
      let right = next[pos]
      guard right >= 0, merges[Pair(left: symbols[pos].id, right: symbols[right].id)]?.id == newID else { continue }
      symbols[pos] = ModelToken(id: newID, range: symbols[pos].range.lowerBound..<symbols[right].range.upperBound)
      removed[right] = true
      next[pos] = next[right]
      if next[right] >= 0 { previous[next[right]] = pos }
      let before = previous[pos]
      if before >= 0, let m = merges[Pair(left: symbols[before].id, right: newID)] { heap.push((m.rank, Int32(before), m.id)) }
      let after = next[pos]
      if after >= 0, let m = merges[Pair(left: newID, right: symbols[after].id)] { heap.push((m.rank, Int32(pos), m.id)) }
    }
    var out: [ModelToken] = []
    var i = 0
    while i >= 0 {
      out.append(symbols[i])
      i = next[i]
    }
    return out
  }


  private func string(_ chars: ArraySlice<UInt32>) -> String {
    var view = String.UnicodeScalarView()
    for c in chars { view.append(Unicode.Scalar(c) ?? "\u{FFFD}") }
    return String(view)
  }

  private func byteTokens(_ c: UInt32) -> [Int32]? {
    guard let scalar = Unicode.Scalar(c) else { return nil }
    var ids: [Int32] = []
    for b in UTF8.encode(scalar)! {
      guard let id = vocabulary[byteTokenName(b)] else { return nil }
      ids.append(id)
    }
    return ids
  }
}

/// A binary min-heap of merges ordered by (rank, position).
private struct MergeHeap {
  private var items: [(rank: Int32, pos: Int32, id: Int32)] = []

  private static func less(_ a: (rank: Int32, pos: Int32, id: Int32), _ b: (rank: Int32, pos: Int32, id: Int32)) -> Bool {
    a.rank != b.rank ? a.rank < b.rank : a.pos < b.pos
  }

  mutating func push(_ item: (rank: Int32, pos: Int32, id: Int32)) {
    items.append(item)
    var i = items.count - 1
    while i > 0 {
      let parent = (i - 1) / 2
      guard Self.less(items[i], items[parent]) else { break }
      items.swapAt(i, parent)
      i = parent
    }
  }

  mutating func pop() -> (rank: Int32, pos: Int32, id: Int32)? {
    guard let top = items.first else { return nil }
    let last = items.removeLast()
    if !items.isEmpty {
      items[0] = last
      var i = 0
      while true {
        let l = 2 * i + 1, r = l + 1
        var m = i
        if l < items.count, Self.less(items[l], items[m]) { m = l }
        if r < items.count, Self.less(items[r], items[m]) { m = r }
        if m == i { break }
        items.swapAt(i, m)
        i = m
      }
    }
    return top
  }
}

/// `<0xAB>`: the token byte_fallback uses for a byte.
func byteTokenName(_ b: UInt8) -> String {
  let hex = Array("0123456789ABCDEF")
  return "<0x\(hex[Int(b >> 4)])\(hex[Int(b & 15)])>"
}

/// tokenizers' Unigram: the Viterbi path over the pieces' log probabilities (`encode_optimized`): at each
/// character boundary, the best score of a path ending there; a candidate replaces it only when strictly
/// better; a character no single piece starts with gets an unknown edge scored min − 10; adjacent unknowns
/// fuse into one token.
struct UnigramModel: Sendable {
  /// Piece UTF-8 → id (a later duplicate wins, as tokenizers' token_to_ids).
  let ids: [[UInt8]: Int32]
  let scores: [Double]
  let unknownID: Int32?
  let byteFallback: Bool
  let minScore: Double
  /// A byte trie of the pieces: edge (node × 256 + byte) → child node; the piece id ending at each node or -1.
  private let edges: [Int: Int32]
  private let terminal: [Int32]

  init(pieces: [(String, Double)], unknownID: Int32?, byteFallback: Bool) {
    var ids: [[UInt8]: Int32] = [:]
    ids.reserveCapacity(pieces.count)
    var edges: [Int: Int32] = [:]
    var terminal: [Int32] = [-1]
    for (k, piece) in pieces.enumerated() {
      let bytes = Array(piece.0.utf8)
      ids[bytes] = Int32(k)
      var node = 0
      for b in bytes {
        let key = node << 8 | Int(b)
        if let child = edges[key] {
          node = Int(child)
        } else {
          terminal.append(-1)
          edges[key] = Int32(terminal.count - 1)
          node = terminal.count - 1
        }
      }
      terminal[node] = ids[bytes]!
    }
    // A duplicate piece keeps the later id, as in `ids`.
    for (bytes, id) in ids {
      var node = 0
      for b in bytes { node = Int(edges[node << 8 | Int(b)]!) }
      terminal[node] = id
    }
    self.edges = edges
    self.terminal = terminal
    self.ids = ids
    scores = pieces.map(\.1)
    self.unknownID = unknownID
    self.byteFallback = byteFallback
    minScore = scores.min() ?? 0
  }

  func tokenize(_ chars: [UInt32]) -> [ModelToken] {
    guard !chars.isEmpty else { return [] }
    let s = NormalizedString(chars, base: 0)
    let (bytes, characterOfByte) = s.utf8()
    let size = bytes.count
    // Byte offset of every character boundary.
    var boundary = [Bool](repeating: false, count: size + 1)
    boundary[size] = true
    for b in 0..<size where bytes[b] & 0xC0 != 0x80 { boundary[b] = true }
    var bestScore = [Double](repeating: 0, count: size + 1)
    var bestStart = [Int](repeating: -1, count: size + 1)
    var bestID = [Int32](repeating: 0, count: size + 1)
    let unkScore = minScore - 10
    var start = 0
    while start < size {
      let base = bestScore[start]
      var charLength = 1
      while start + charLength < size, !boundary[start + charLength] { charLength += 1 }
      var hasSingle = false
      var node = 0
      var end = start
      // Every piece the text at `start` begins with, shortest first (the trie's common-prefix search).
      while end < size, let child = edges[node << 8 | Int(bytes[end])] {
        node = Int(child)
        end += 1
        let id = terminal[node]
        guard id >= 0, boundary[end] else { continue }
        let candidate = base + scores[Int(id)]
        if bestStart[end] < 0 || candidate > bestScore[end] {
          bestScore[end] = candidate
          bestStart[end] = start
          bestID[end] = id
        }
        if end - start == charLength { hasSingle = true }
      }
      if !hasSingle {
        let target = start + charLength
        let candidate = base + unkScore
        if bestStart[target] < 0 || candidate > bestScore[target] {
          bestScore[target] = candidate
          bestStart[target] = start
          bestID[target] = unknownID ?? -1
        }
      }
      start += charLength
    }
    // Back from the end, fusing unknowns.
    var pieces: [(range: Range<Int>, unknown: Bool)] = []
    var end = size
    while end > 0 {
      let from = bestStart[end]
      guard from >= 0 else { break }
      let unknown = unknownID.map { bestID[end] == $0 } ?? (bestID[end] == -1)
      if unknown, let last = pieces.last, last.unknown, last.range.lowerBound == end {
        pieces[pieces.count - 1].range = from..<last.range.upperBound
      } else {
        pieces.append((from..<end, unknown))
      }
      end = from
    }
    var tokens: [ModelToken] = []
    for (range, _) in pieces.reversed() {
      let chars = characterOfByte[range.lowerBound]..<(characterOfByte[range.upperBound - 1] + 1)
      if let id = ids[Array(bytes[range])] {
        tokens.append(ModelToken(id: id, range: chars))
      } else if byteFallback, let byteIDs = byteTokens(bytes[range]) {
        for id in byteIDs { tokens.append(ModelToken(id: id, range: chars)) }
      } else if let unk = unknownID {
        tokens.append(ModelToken(id: unk, range: chars))
      }
    }
    return tokens
  }

  private func byteTokens(_ span: ArraySlice<UInt8>) -> [Int32]? {
    var out: [Int32] = []
    for b in span {
      guard let id = ids[Array(byteTokenName(b).utf8)] else { return nil }
      out.append(id)
    }
    return out
  }
}
