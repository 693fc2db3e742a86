/// Receives the characters of a normalized text, one at a time, with their properties and the index (in
/// Unicode scalars) of the original character each comes from.
protocol NormalizedCharacterSink {
  mutating func accept(_ c: UInt32, _ properties: UnicodeProperties, origin: Int32)
}

/// tokenizers' `BertNormalizer`, in its order: clean text, space out CJK ideographs, strip accents (NFD, then
/// drop non-spacing marks), lowercase (`char::to_lowercase`, which may give several characters).
///
/// It streams: each input character goes through all four steps before the next is read. The one step that
/// looks across characters is NFD's canonical ordering; a character with a non-zero combining class that
/// survives accent stripping waits in `pending` until the next class-0 character (or the end) and the run is
/// then emitted in stable combining-class order. Marks that are dropped never affect the order of the others.
///
/// Offsets: every output character carries the index of an original character, as tokenizers'
/// `NormalizedString` alignments give it: each step maps its output to its input position by position (a
/// character a step adds shares the alignment of the one before it). Only NFD's reordering makes that differ from
/// "the character it came from": a reordered run takes its alignments in input order, so it is sorted with the
/// marks that are dropped still in it, then aligned, then filtered, as tokenizers does.
struct BertNormalizer: Sendable, Equatable {
  var cleanText: Bool
  var handleChineseChars: Bool
  var stripAccents: Bool
  var lowercase: Bool
  /// Keep the non-spacing marks NFD leaves (tokenizers' `NFD` normalizer, which is this normalizer's accent
  /// stripping without the stripping); BERT's normalizer drops them.
  var keepMarks = false

  /// - Parameter stripAccents: `nil` follows `lowercase`, as in BERT.
  init(cleanText: Bool = true, handleChineseChars: Bool = true, stripAccents: Bool? = nil, lowercase: Bool = true) {
    self.cleanText = cleanText
    self.handleChineseChars = handleChineseChars
    self.stripAccents = stripAccents ?? lowercase
    self.lowercase = lowercase
  }

  /// tokenizers' `NFD` normalizer, from the same tables (and the same alignments) as accent stripping.
  static let nfd: BertNormalizer = {
    var n = BertNormalizer(cleanText: false, handleChineseChars: false, stripAccents: true, lowercase: false)
    n.keepMarks = true
    return n
  }()

  /// A run of reorderable characters waiting for canonical ordering.
  private struct Pending {
    struct Item {
      var c: UInt32
      var origin: Int32
      /// The first character of its source character's decomposition (tokenizers' change 0); the others were
      /// added (change 1).
      var first: Bool
    }
    var items: [Item] = []
    /// The alignment of the last character handed over (what an added character at the start of a run shares).
    var lastOrigin: Int32 = 0
  }

  /// Normalizes valid UTF-8 and hands every resulting character to `sink`.
  /// - Parameter base: the original index of the text's first character.
  func normalize<Sink: NormalizedCharacterSink>(
    _ text: UnsafeBufferPointer<UInt8>, base: Int32 = 0, tables: CharacterTables, into sink: inout Sink
  ) {
    guard let p = text.baseAddress else { return }
    var pending = Pending()
    let n = text.count
    var i = 0
    var origin = base &- 1
    while i < n {
      var c = decodeUTF8(p, at: &i)
      origin &+= 1
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
        decompose(0x20, space, origin, tables, &pending, &sink)
        decompose(c, props, origin, tables, &pending, &sink)
        decompose(0x20, space, origin, tables, &pending, &sink)
      } else {
        decompose(c, props, origin, tables, &pending, &sink)
      }
    }
    if !pending.items.isEmpty { flush(&pending, tables, &sink) }
  }

  /// Strip accents: NFD, then drop non-spacing marks (or pass the character on when not stripping).
  @inline(__always)
  private func decompose<Sink: NormalizedCharacterSink>(
    _ c: UInt32, _ props: UnicodeProperties, _ origin: Int32, _ tables: CharacterTables, _ pending: inout Pending,
    _ sink: inout Sink
  ) {
    guard stripAccents else { return lower(c, props, origin, tables, &sink) }
    guard props.contains(.decomposes) else { return order(c, props, origin, true, tables, &pending, &sink) }
    if Hangul.isSyllable(c) {
      let s = c &- Hangul.syllableBase
      let perLead = Hangul.vowelCount * Hangul.trailCount
      let lead = Hangul.leadBase + s / perLead, vowel = Hangul.vowelBase + (s % perLead) / Hangul.trailCount
      order(lead, tables.properties(lead), origin, true, tables, &pending, &sink)
      order(vowel, tables.properties(vowel), origin, false, tables, &pending, &sink)
      if s % Hangul.trailCount != 0 {
        let part = Hangul.trailBase + s % Hangul.trailCount
        order(part, tables.properties(part), origin, false, tables, &pending, &sink)
      }
    } else if let mapping = tables.decomposition(of: c) {
      for k in Int(mapping.start)..<Int(mapping.start + mapping.count) {
        let part = tables.parts[k]
        order(part, tables.properties(part), origin, k == Int(mapping.start), tables, &pending, &sink)
      }
    }
  }

  /// Canonical ordering and mark dropping for one character of the decomposed text.
  @inline(__always)
  private func order<Sink: NormalizedCharacterSink>(
    _ c: UInt32, _ props: UnicodeProperties, _ origin: Int32, _ first: Bool, _ tables: CharacterTables,
    _ pending: inout Pending, _ sink: inout Sink
  ) {
    if props.contains(.reorders) {
      pending.items.append(Pending.Item(c: c, origin: origin, first: first))
    } else {
      if !pending.items.isEmpty { flush(&pending, tables, &sink) }
      // A character that is not first in its decomposition shares the alignment of the one before it, which is
      // its own source character's (the first part always precedes it outside a reordered run).
      pending.lastOrigin = origin
      if keepMarks || !props.contains(.nonspacing) { lower(c, props, origin, tables, &sink) }
    }
  }

  /// Emits the waiting run in stable combining-class order, aligned position by position, marks dropped.
  private func flush<Sink: NormalizedCharacterSink>(_ pending: inout Pending, _ tables: CharacterTables, _ sink: inout Sink) {
    var items = pending.items
    if items.count > 1 {
      // The alignments of the run's source characters, in input order.
      let sources = items.filter(\.first).map(\.origin)
      // Insertion sort: stable, and runs are a few characters long.
      for i in 1..<items.count {
        let item = items[i], key = tables.combiningClass(of: item.c)
        var j = i
        while j > 0, tables.combiningClass(of: items[j - 1].c) > key {
          items[j] = items[j - 1]
          j -= 1
        }
        items[j] = item
      }
      var next = 0
      var last = pending.lastOrigin
      for k in items.indices {
        if items[k].first, next < sources.count {
          last = sources[next]
          next += 1
        }
        items[k].origin = last
      }
    }
    for item in items {
      pending.lastOrigin = item.origin
      let props = tables.properties(item.c)
      if keepMarks || !props.contains(.nonspacing) { lower(item.c, props, item.origin, tables, &sink) }
    }
    pending.items.removeAll(keepingCapacity: true)
  }

  /// Lowercase, then hand over.
  @inline(__always)
  private func lower<Sink: NormalizedCharacterSink>(
    _ c: UInt32, _ props: UnicodeProperties, _ origin: Int32, _ tables: CharacterTables, _ sink: inout Sink
  ) {
    if lowercase, props.contains(.lowercases) {
      if c < 0x80 {
        let l = c | 0x20  // A-Z
        return sink.accept(l, tables.properties(l), origin: origin)
      }
      if let mapping = tables.lowercase(of: c) {
        for k in Int(mapping.start)..<Int(mapping.start + mapping.count) {
          let l = tables.parts[k]
          sink.accept(l, tables.properties(l), origin: origin)
        }
        return
      }
    }
    sink.accept(c, props, origin: origin)
  }
}
