/// Receives the characters of a normalized text, one at a time, with their properties.
protocol NormalizedCharacterSink {
  mutating func accept(_ c: UInt32, _ properties: UnicodeProperties)
}

/// tokenizers' `BertNormalizer`, in its order: clean text, space out CJK ideographs, strip accents (NFD, then
/// drop non-spacing marks), lowercase (`char::to_lowercase`, which may give several characters).
///
/// It streams: each input character goes through all four steps before the next is read. The one step that
/// looks across characters is NFD's canonical ordering; a character with a non-zero combining class that
/// survives accent stripping waits in `pending` until the next class-0 character (or the end) and the run is
/// then emitted in stable combining-class order. Marks that are dropped never affect the order of the others.
struct BertNormalizer: Sendable, Equatable {
  var cleanText: Bool
  var handleChineseChars: Bool
  var stripAccents: Bool
  var lowercase: Bool

  /// - Parameter stripAccents: `nil` follows `lowercase`, as in BERT.
  init(cleanText: Bool = true, handleChineseChars: Bool = true, stripAccents: Bool? = nil, lowercase: Bool = true) {
    self.cleanText = cleanText
    self.handleChineseChars = handleChineseChars
    self.stripAccents = stripAccents ?? lowercase
    self.lowercase = lowercase
  }

  /// Normalizes valid UTF-8 and hands every resulting character to `sink`.
  func normalize<Sink: NormalizedCharacterSink>(_ text: UnsafeBufferPointer<UInt8>, tables: CharacterTables, into sink: inout Sink) {
    guard let p = text.baseAddress else { return }
    var pending: [UInt32] = []
    let n = text.count
    var i = 0
    while i < n {
      var c = decodeUTF8(p, at: &i)
      var props = tables.properties(c)
      if cleanText {
        if props.contains(.cleanRemove) { continue }
        if props.contains(.cleanSpace) {
          c = 0x20
          props = tables.properties(0x20)
        }
      }
      if handleChineseChars, props.contains(.chinese) {
        let space = tables.properties(0x20)
        decompose(0x20, space, tables, &pending, &sink)
        decompose(c, props, tables, &pending, &sink)
        decompose(0x20, space, tables, &pending, &sink)
      } else {
        decompose(c, props, tables, &pending, &sink)
      }
    }
    if !pending.isEmpty { flush(&pending, tables, &sink) }
  }

  /// Strip accents: NFD, then drop non-spacing marks (or pass the character on when not stripping).
  @inline(__always)
  private func decompose<Sink: NormalizedCharacterSink>(
    _ c: UInt32, _ props: UnicodeProperties, _ tables: CharacterTables, _ pending: inout [UInt32], _ sink: inout Sink
  ) {
    guard stripAccents else { return lower(c, props, tables, &sink) }
    guard props.contains(.decomposes) else { return order(c, props, tables, &pending, &sink) }
    if Hangul.isSyllable(c) {
      let s = c &- Hangul.syllableBase
      let perLead = Hangul.vowelCount * Hangul.trailCount
      let lead = Hangul.leadBase + s / perLead, vowel = Hangul.vowelBase + (s % perLead) / Hangul.trailCount
      order(lead, tables.properties(lead), tables, &pending, &sink)
      order(vowel, tables.properties(vowel), tables, &pending, &sink)
      if s % Hangul.trailCount != 0 {
        let part = Hangul.trailBase + s % Hangul.trailCount
        order(part, tables.properties(part), tables, &pending, &sink)
      }
    } else if let mapping = tables.decomposition(of: c) {
      for k in Int(mapping.start)..<Int(mapping.start + mapping.count) {
        let part = tables.parts[k]
        order(part, tables.properties(part), tables, &pending, &sink)
      }
    }
  }

  /// Canonical ordering and mark dropping for one character of the decomposed text.
  @inline(__always)
  private func order<Sink: NormalizedCharacterSink>(
    _ c: UInt32, _ props: UnicodeProperties, _ tables: CharacterTables, _ pending: inout [UInt32], _ sink: inout Sink
  ) {
    if props.contains(.reorders) {
      if !props.contains(.nonspacing) { pending.append(c) }
    } else {
      if !pending.isEmpty { flush(&pending, tables, &sink) }
      if !props.contains(.nonspacing) { lower(c, props, tables, &sink) }
    }
  }

  /// Emits the waiting run in stable combining-class order.
  private func flush<Sink: NormalizedCharacterSink>(_ pending: inout [UInt32], _ tables: CharacterTables, _ sink: inout Sink) {
    if pending.count > 1 {
      // Insertion sort: stable, and runs are a few characters long.
      for i in 1..<pending.count {
        let c = pending[i], key = tables.combiningClass(of: c)
        var j = i
        while j > 0, tables.combiningClass(of: pending[j - 1]) > key {
          pending[j] = pending[j - 1]
          j -= 1
        }
        pending[j] = c
      }
    }
    for c in pending { lower(c, tables.properties(c), tables, &sink) }
    pending.removeAll(keepingCapacity: true)
  }

  /// Lowercase, then hand over.
  @inline(__always)
  private func lower<Sink: NormalizedCharacterSink>(
    _ c: UInt32, _ props: UnicodeProperties, _ tables: CharacterTables, _ sink: inout Sink
  ) {
    if lowercase, props.contains(.lowercases) {
      if c < 0x80 {
        let l = c | 0x20  // A-Z
        return sink.accept(l, tables.properties(l))
      }
      if let mapping = tables.lowercase(of: c) {
        for k in Int(mapping.start)..<Int(mapping.start + mapping.count) {
          let l = tables.parts[k]
          sink.accept(l, tables.properties(l))
        }
        return
      }
    }
    sink.accept(c, props)
  }
}
