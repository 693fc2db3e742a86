/// tokenizers' `BertPreTokenizer` (split on whitespace, dropping it; every punctuation character a word of its
/// own) fused with the WordPiece model: each word goes to the model as soon as it ends, straight from a byte
/// buffer that is reused for the next word. Each token gets the span of original characters it comes from (the
/// origin of its first character to that of its last, plus one), as tokenizers' offsets.
struct BertPreTokenizer: NormalizedCharacterSink {
  private let model: WordPieceModel
  private var buffer: UnsafeMutablePointer<UInt8>
  /// The origin of the character each byte of `buffer` belongs to.
  private var origins: UnsafeMutablePointer<Int32>
  private var capacity: Int
  private var length = 0
  private var characters = 0
  private var wordStart: Int32 = 0
  private var wordEnd: Int32 = 0
  /// Piece ends (byte offsets in the word) of the word being tokenized.
  private var ends: [Int] = []
  /// The ids so far.
  private(set) var ids: [Int32] = []
  /// The original span of each of `ids`.
  private(set) var spans: [TokenSpan] = []

  private init(model: WordPieceModel) {
    self.model = model
    capacity = 256
    buffer = .allocate(capacity: capacity)
    origins = .allocate(capacity: capacity)
  }

  /// Runs `body` with an empty pre-tokenizer whose buffer lives only inside the call.
  static func with<R>(model: WordPieceModel, _ body: (inout BertPreTokenizer) -> R) -> R {
    var preTokenizer = BertPreTokenizer(model: model)
    defer {
      preTokenizer.buffer.deallocate()
      preTokenizer.origins.deallocate()
    }
    return body(&preTokenizer)
  }

  /// Hands over the ids collected so far and starts a new list.
  mutating func takeIDs() -> [Int32] {
    take().ids
  }

  /// Hands over the ids and spans collected so far and starts new lists.
  mutating func take() -> TokenPieces {
    finishWord()
    defer {
      ids = []
      spans = []
    }
    return TokenPieces(ids: ids, spans: spans)
  }

  @inline(__always)
  mutating func accept(_ c: UInt32, _ properties: UnicodeProperties, origin: Int32) {
    if properties.rawValue & (UnicodeProperties.whitespace.rawValue | UnicodeProperties.punctuation.rawValue) != 0 {
      finishWord()
      if properties.contains(.whitespace) { return }
      append(c, origin)
      finishWord()
    } else {
      append(c, origin)
    }
  }

  /// Ends the current word, if any, and tokenizes it.
  @inline(__always)
  mutating func finishWord() {
    guard characters > 0 else { return }
    if characters > model.maxInputCharsPerWord
        || !model.tokenize(UnsafeBufferPointer(start: buffer, count: length), into: &ids, ends: &ends) {
      // The whole word is one unknown token.
      ids.append(model.unknownID)
      spans.append(TokenSpan(start: Int(wordStart), end: Int(wordEnd)))
    } else {
      var start = 0
      for end in ends {
        spans.append(TokenSpan(start: Int(origins[start]), end: Int(origins[end &- 1]) &+ 1))
        start = end
      }
    }
    ends.removeAll(keepingCapacity: true)
    length = 0
    characters = 0
  }

  /// Appends one character's UTF-8 to the word; past the model's limit only the count (and the word's span)
  /// matters.
  @inline(__always)
  private mutating func append(_ c: UInt32, _ origin: Int32) {
    if characters == 0 { wordStart = origin }
    wordEnd = origin &+ 1
    characters &+= 1
    guard characters <= model.maxInputCharsPerWord else { return }
    if length &+ 4 > capacity { grow() }
    let byteStart = length
    defer { for k in byteStart..<length { origins[k] = origin } }
    if c < 0x80 {
      buffer[length] = UInt8(truncatingIfNeeded: c)
      length &+= 1
    } else if c < 0x800 {
      buffer[length] = UInt8(truncatingIfNeeded: 0xC0 | c >> 6)
      buffer[length &+ 1] = UInt8(truncatingIfNeeded: 0x80 | c & 0x3F)
      length &+= 2
    } else if c < 0x10000 {
      buffer[length] = UInt8(truncatingIfNeeded: 0xE0 | c >> 12)
      buffer[length &+ 1] = UInt8(truncatingIfNeeded: 0x80 | c >> 6 & 0x3F)
      buffer[length &+ 2] = UInt8(truncatingIfNeeded: 0x80 | c & 0x3F)
      length &+= 3
    } else {
      buffer[length] = UInt8(truncatingIfNeeded: 0xF0 | c >> 18)
      buffer[length &+ 1] = UInt8(truncatingIfNeeded: 0x80 | c >> 12 & 0x3F)
      buffer[length &+ 2] = UInt8(truncatingIfNeeded: 0x80 | c >> 6 & 0x3F)
      buffer[length &+ 3] = UInt8(truncatingIfNeeded: 0x80 | c & 0x3F)
      length &+= 4
    }
  }

  private mutating func grow() {
    let bigger = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity * 2)
    bigger.update(from: buffer, count: length)
    buffer.deallocate()
    buffer = bigger
    let biggerOrigins = UnsafeMutablePointer<Int32>.allocate(capacity: capacity * 2)
    biggerOrigins.update(from: origins, count: length)
    origins.deallocate()
    origins = biggerOrigins
    capacity *= 2
  }
}

/// Token ids with the original span of each.
struct TokenPieces: Sendable, Equatable {
  var ids: [Int32] = []
  var spans: [TokenSpan] = []
  /// The text of the pieces whose text is not their vocabulary entry's, by index: an added token with the
  /// whitespace `lstrip`/`rstrip` swallowed (tokenizers keeps the matched slice as the token's text, and
  /// byte-level offset trimming looks at it).
  var texts: [Int: String] = [:]

  static func += (lhs: inout TokenPieces, rhs: TokenPieces) {
    let shift = lhs.ids.count
    lhs.ids += rhs.ids
    lhs.spans += rhs.spans
    for (k, text) in rhs.texts { lhs.texts[k + shift] = text }
  }

  mutating func append(_ id: Int32, _ span: TokenSpan, text: String? = nil) {
    if let text { texts[ids.count] = text }
    ids.append(id)
    spans.append(span)
  }

  /// Keeps the first (`right`) or last `n` pieces.
  mutating func keep(_ n: Int, fromStart: Bool) {
    guard ids.count > n else { return }
    if fromStart {
      ids.removeSubrange(n...)
      spans.removeSubrange(n...)
      texts = texts.filter { $0.key < n }
    } else {
      let drop = ids.count - n
      ids.removeSubrange(..<drop)
      spans.removeSubrange(..<drop)
      texts = Dictionary(uniqueKeysWithValues: texts.compactMap { $0.key >= drop ? ($0.key - drop, $0.value) : nil })
    }
  }
}

/// Collects a normalized text as UTF-8 (for added tokens that match the normalized text), with the origin of
/// each byte's character.
struct NormalizedText: NormalizedCharacterSink {
  var utf8: [UInt8] = []
  var origins: [Int32] = []

  mutating func accept(_ c: UInt32, _ properties: UnicodeProperties, origin: Int32) {
    guard let scalar = Unicode.Scalar(c) else { return }
    let bytes = UTF8.encode(scalar)!
    utf8.append(contentsOf: bytes)
    origins.append(contentsOf: repeatElement(origin, count: bytes.count))
  }
}

/// Feeds already-normalized UTF-8 to a sink character by character (the pre-tokenizer half alone).
/// - Parameter origins: the origin of each byte of `text`.
func forEachCharacter<Sink: NormalizedCharacterSink>(
  in text: UnsafeBufferPointer<UInt8>, origins: ArraySlice<Int32>, tables: CharacterTables, into sink: inout Sink
) {
  guard let p = text.baseAddress else { return }
  var i = 0
  let first = origins.startIndex
  while i < text.count {
    let origin = origins[first + i]
    let c = decodeUTF8(p, at: &i)
    sink.accept(c, tables.properties(c), origin: origin)
  }
}
