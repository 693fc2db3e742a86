/// tokenizers' `BertPreTokenizer` (split on whitespace, dropping it; every punctuation character a word of its
/// own) fused with the WordPiece model: each word goes to the model as soon as it ends, straight from a byte
/// buffer that is reused for the next word.
struct BertPreTokenizer: NormalizedCharacterSink {
  private let model: WordPieceModel
  private var buffer: UnsafeMutablePointer<UInt8>
  private var capacity: Int
  private var length = 0
  private var characters = 0
  /// The ids so far.
  private(set) var ids: [Int32] = []

  private init(model: WordPieceModel) {
    self.model = model
    capacity = 256
    buffer = .allocate(capacity: capacity)
  }

  /// Runs `body` with an empty pre-tokenizer whose buffer lives only inside the call.
  static func with<R>(model: WordPieceModel, _ body: (inout BertPreTokenizer) -> R) -> R {
    var preTokenizer = BertPreTokenizer(model: model)
    defer { preTokenizer.buffer.deallocate() }
    return body(&preTokenizer)
  }

  /// Hands over the ids collected so far and starts a new list.
  mutating func takeIDs() -> [Int32] {
    finishWord()
    defer { ids = [] }
    return ids
  }

  @inline(__always)
  mutating func accept(_ c: UInt32, _ properties: UnicodeProperties) {
    if properties.rawValue & (UnicodeProperties.whitespace.rawValue | UnicodeProperties.punctuation.rawValue) != 0 {
      finishWord()
      if properties.contains(.whitespace) { return }
      append(c)
      finishWord()
    } else {
      append(c)
    }
  }

  /// Ends the current word, if any, and tokenizes it.
  @inline(__always)
  mutating func finishWord() {
    guard characters > 0 else { return }
    if characters > model.maxInputCharsPerWord {
      ids.append(model.unknownID)
    } else {
      model.tokenize(UnsafeBufferPointer(start: buffer, count: length), into: &ids)
    }
    length = 0
    characters = 0
  }

  /// Appends one character's UTF-8 to the word; past the model's limit only the count matters.
  @inline(__always)
  private mutating func append(_ c: UInt32) {
    characters &+= 1
    guard characters <= model.maxInputCharsPerWord else { return }
    if length &+ 4 > capacity { grow() }
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
    capacity *= 2
  }
}

/// Collects a normalized text as UTF-8 (for added tokens that match the normalized text).
struct NormalizedText: NormalizedCharacterSink {
  var utf8: [UInt8] = []

  mutating func accept(_ c: UInt32, _ properties: UnicodeProperties) {
    guard let scalar = Unicode.Scalar(c) else { return }
    utf8.append(contentsOf: UTF8.encode(scalar)!)
  }
}

/// Feeds already-normalized UTF-8 to a sink character by character (the pre-tokenizer half alone).
func forEachCharacter<Sink: NormalizedCharacterSink>(in text: UnsafeBufferPointer<UInt8>, tables: CharacterTables, into sink: inout Sink) {
  guard let p = text.baseAddress else { return }
  var i = 0
  while i < text.count {
    let c = decodeUTF8(p, at: &i)
    sink.accept(c, tables.properties(c))
  }
}
