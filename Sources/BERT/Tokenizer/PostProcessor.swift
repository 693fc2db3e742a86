/// tokenizers' `TemplateProcessing` (and `BertProcessing`, which is the template `[CLS] $A [SEP] $B [SEP]`):
/// where the special tokens go and which token type each part gets.
struct PostProcessor: Sendable, Equatable {
  enum Piece: Sendable, Equatable {
    /// A special token: its ids (usually one) and token type.
    case special(ids: [Int32], typeID: Int32)
    /// The first (`$A`) or second (`$B`) sequence with its token type.
    case sequence(first: Bool, typeID: Int32)
  }

  var single: [Piece]
  var pair: [Piece]
  /// Byte-level offset trimming (RobertaProcessing / ByteLevel `trim_offsets`), applied to each sequence.
  var trim: Trim?

  struct Trim: Sendable, Equatable {
    var addPrefixSpace: Bool
  }

  /// RobertaProcessing: `<s> $A </s>` and `<s> $A </s> </s> $B </s>`, every token type 0.
  static func roberta(cls: Int32, sep: Int32) -> PostProcessor {
    PostProcessor(
      single: [.special(ids: [cls], typeID: 0), .sequence(first: true, typeID: 0), .special(ids: [sep], typeID: 0)],
      pair: [.special(ids: [cls], typeID: 0), .sequence(first: true, typeID: 0), .special(ids: [sep], typeID: 0),
             .special(ids: [sep], typeID: 0), .sequence(first: false, typeID: 0), .special(ids: [sep], typeID: 0)])
  }

  /// `[CLS] $A:0 [SEP]:0` and `[CLS]:0 $A:0 [SEP]:0 $B:1 [SEP]:1`.
  static func bert(cls: Int32, sep: Int32) -> PostProcessor {
    PostProcessor(
      single: [.special(ids: [cls], typeID: 0), .sequence(first: true, typeID: 0), .special(ids: [sep], typeID: 0)],
      pair: [.special(ids: [cls], typeID: 0), .sequence(first: true, typeID: 0), .special(ids: [sep], typeID: 0),
             .sequence(first: false, typeID: 1), .special(ids: [sep], typeID: 1)])
  }

  /// No post-processor: the sequences as they are (`$A:0 $B:1`).
  static let none = PostProcessor(single: [.sequence(first: true, typeID: 0)],
                                  pair: [.sequence(first: true, typeID: 0), .sequence(first: false, typeID: 1)])

  /// How many special tokens the template adds (what truncation keeps room for).
  func addedTokenCount(pair isPair: Bool) -> Int {
    (isPair ? pair : single).reduce(0) { count, piece in
      if case .special(let ids, _) = piece { count + ids.count } else { count }
    }
  }

  /// The final encoding: ids, token types, offsets, special-token mask and sequence ids.
  /// - Parameter token: the text of a token id.
  func assemble(_ a: TokenPieces, _ b: TokenPieces?, addSpecialTokens: Bool, token: (Int32) -> String) -> WordPieceTokenizer.Encoding {
    var a = a, b = b
    if let trim {
      trimOffsets(&a, addPrefixSpace: trim.addPrefixSpace, token: token)
      if b != nil { trimOffsets(&b!, addPrefixSpace: trim.addPrefixSpace, token: token) }
    }
    let (ids, types) = apply(a.ids, b?.ids, addSpecialTokens: addSpecialTokens)
    var offsets: [TokenSpan] = []
    var special: [Int] = []
    var sequence: [Int?] = []
    offsets.reserveCapacity(ids.count)
    special.reserveCapacity(ids.count)
    sequence.reserveCapacity(ids.count)
    var tokens: [String] = []
    tokens.reserveCapacity(ids.count)
    func add(_ pieces: TokenPieces, _ index: Int) {
      for (k, id) in pieces.ids.enumerated() { tokens.append(pieces.texts[k] ?? token(id)) }
      offsets += pieces.spans
      special += repeatElement(0, count: pieces.ids.count)
      sequence += repeatElement(Optional(index), count: pieces.ids.count)
    }
    if addSpecialTokens {
      for piece in b == nil ? single : pair {
        switch piece {
        case .special(let specialIDs, _):
          for id in specialIDs { tokens.append(token(id)) }
          offsets += repeatElement(.none, count: specialIDs.count)
          special += repeatElement(1, count: specialIDs.count)
          sequence += repeatElement(nil, count: specialIDs.count)
        case .sequence(let first, _):
          first ? add(a, 0) : add(b!, 1)
        }
      }
    } else {
      add(a, 0)
      if let b { add(b, 1) }
    }
    return WordPieceTokenizer.Encoding(
      ids: ids, typeIds: types, attentionMask: [Int](repeating: 1, count: ids.count), offsets: offsets,
      tokens: tokens, specialTokensMask: special, sequenceIds: sequence)
  }

  /// The final ids and token types.
  func apply(_ a: [Int32], _ b: [Int32]?, addSpecialTokens: Bool) -> (ids: [Int], typeIDs: [Int]) {
    var ids: [Int] = []
    var types: [Int] = []
    ids.reserveCapacity(a.count + (b?.count ?? 0) + 4)
    types.reserveCapacity(ids.capacity)
    guard addSpecialTokens else {
      // tokenizers still gives the second sequence its template type when special tokens are off.
      ids = a.map(Int.init) + (b ?? []).map(Int.init)
      let secondType = pair.lazy.compactMap { if case .sequence(false, let t) = $0 { Int(t) } else { nil } }.first ?? 1
      types = [Int](repeating: 0, count: a.count) + [Int](repeating: b == nil ? 0 : secondType, count: b?.count ?? 0)
      return (ids, types)
    }
    for piece in b == nil ? single : pair {
      switch piece {
      case .special(let special, let type):
        for id in special {
          ids.append(Int(id))
          types.append(Int(type))
        }
      case .sequence(let first, let type):
        for id in (first ? a : b!) {
          ids.append(Int(id))
          types.append(Int(type))
        }
      }
    }
    return (ids, types)
  }
}

/// tokenizers' `truncate_encodings` with the `LongestFirst` strategy (what transformers' `truncation=True` asks
/// for), after room is kept for the special tokens.
enum Truncation {
  /// Shortens `a` (and `b`) so that, with `added` special tokens, the total is at most `maxLength`.
  ///
  /// As in tokenizers: when both sequences are too long the shorter keeps its length if it fits in half,
  /// otherwise each gets half (the second one the odd token). A `maxLength` below `added` truncates nothing
  /// (tokenizers' unsigned subtraction wraps around there).
  static func apply(_ a: inout TokenPieces, _ b: inout TokenPieces?, maxLength: Int, added: Int, side: WordPieceTokenizer.Side) {
    var ids = a.ids, pairIDs = b?.ids
    apply(&ids, &pairIDs, maxLength: maxLength, added: added, side: side)
    func cut(_ pieces: inout TokenPieces, to n: Int) {
      pieces.keep(n, fromStart: side == .right)
    }
    cut(&a, to: ids.count)
    if b != nil { cut(&b!, to: pairIDs!.count) }
  }

  static func apply(_ a: inout [Int32], _ b: inout [Int32]?, maxLength: Int, added: Int, side: WordPieceTokenizer.Side) {
    guard maxLength >= added else { return }
    let limit = maxLength - added
    func cut(_ ids: inout [Int32], to n: Int) {
      guard ids.count > n else { return }
      switch side {
      case .right: ids.removeSubrange(n...)
      case .left: ids.removeSubrange(..<(ids.count - n))
      }
    }
    guard var second = b else {
      cut(&a, to: limit)
      return
    }
    defer { b = second }
    if limit == 0 {
      cut(&a, to: 0)
      cut(&second, to: 0)
      return
    }
    guard a.count + second.count > limit else { return }
    var n1 = a.count, n2 = second.count
    let swapped = n1 > n2
    if swapped { swap(&n1, &n2) }
    n2 = n1 > limit ? n1 : max(n1, limit - n1)
    if n1 + n2 > limit {
      n1 = limit / 2
      n2 = n1 + limit % 2
    }
    if swapped { swap(&n1, &n2) }
    cut(&a, to: n1)
    cut(&second, to: n2)
  }
}
