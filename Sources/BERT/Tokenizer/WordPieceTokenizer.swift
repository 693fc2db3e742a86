/// The name this type had when it read BERT's WordPiece tokenizers only; it reads every supported kind.
public typealias WordPieceTokenizer = Tokenizer

/// A HuggingFace fast tokenizer read from a model directory, giving the ids and offsets `tokenizers` gives
/// (`AutoTokenizer.from_pretrained(dir)(text, pair, truncation=True, return_offsets_mapping=True)`): BERT's
/// WordPiece (and MPNet's), RoBERTa's byte-level BPE and XLM-R's Unigram (see docs/ARCHITECTURE.md).
///
/// BERT's WordPiece tokenizers (BertNormalizer + BertPreTokenizer + WordPiece) run the streaming path below;
/// every other tokenizer.json runs ``GeneralPipeline`` with the same added-token, truncation and
/// post-processing steps.
///
/// The pipeline is tokenizers': added tokens (`[CLS]`, `[MASK]`… written in the text) are split off the raw
/// text; each remaining piece is normalized (BertNormalizer), split into words (BertPreTokenizer) and each
/// word into pieces (WordPiece); then truncation and the template that adds `[CLS]` / `[SEP]` and token types.
/// Character classes come from tables read off the `tokenizers` library (UnicodeTables.swift), not from
/// Swift's Unicode properties, which follow a different Unicode version.
///
/// A value is immutable and `Sendable`; encode from any number of threads.
public struct Tokenizer: Sendable {
  /// One encoded text (or pair), unpadded.
  public struct Encoding: Sendable, Equatable {
    public var ids: [Int]
    /// 0 for `[CLS]`, the first text and its `[SEP]`; 1 for the second text and its `[SEP]`.
    public var typeIds: [Int]
    /// All 1: an unpadded encoding has no padding.
    public var attentionMask: [Int]
    /// The characters each token comes from, as HF's `offset_mapping`: Unicode scalar indices into the text (the
    /// pair's tokens into the pair), (0, 0) for special tokens. See ``TokenSpan``.
    public var offsets: [TokenSpan]
    /// Each token's text as the vocabulary spells it (`##ing`, `[CLS]`), as HF's `Encoding.tokens`.
    public var tokens: [String]
    /// 1 for a special token the post-processor added (`[CLS]`, `[SEP]`), 0 for a token of the texts.
    public var specialTokensMask: [Int]
    /// 0 for a token of the first text, 1 for the pair's, `nil` for a special token (HF's `sequence_ids()`).
    public var sequenceIds: [Int?]

    public init(ids: [Int], typeIds: [Int], attentionMask: [Int], offsets: [TokenSpan] = [], tokens: [String] = [],
                specialTokensMask: [Int] = [], sequenceIds: [Int?] = []) {
      self.ids = ids
      self.typeIds = typeIds
      self.attentionMask = attentionMask
      self.offsets = offsets
      self.tokens = tokens
      self.specialTokensMask = specialTokensMask
      self.sequenceIds = sequenceIds
    }
  }

  /// A batch padded to its longest row, as transformers' `padding=True` gives it.
  public struct BatchEncoding: Sendable, Equatable {
    /// [batch][sequence], padding = the pad token's id.
    public var inputIds: [[Int]]
    /// [batch][sequence], padding = 0.
    public var tokenTypeIds: [[Int]]
    /// [batch][sequence]: 1 for a token, 0 for padding.
    public var attentionMask: [[Int]]
    /// [batch][sequence]: each token's characters in its own text (``Encoding/offsets``), padding (0, 0).
    public var offsets: [[TokenSpan]] = []
    /// [batch][sequence]: 1 for special tokens and padding (HF's `special_tokens_mask` with padding), else 0.
    public var specialTokensMask: [[Int]] = []
    /// The unpadded encoding of each row.
    public var encodings: [Encoding] = []
    /// The padded length (0 for an empty batch).
    public var sequenceLength: Int { inputIds.first?.count ?? 0 }
  }

  /// Which end gets padding (tokenizer_config.json `padding_side`) or loses tokens (`truncation_side`).
  public enum Side: String, Sendable {
    case left, right
  }

  /// The length `encode` truncates to when it is given none: tokenizer_config.json's `model_max_length`, else
  /// tokenizer.json's `truncation.max_length`, else `nil` (no truncation). Counts the special tokens.
  public var modelMaxLength: Int?
  /// The id padding uses.
  public let padTokenID: Int
  /// The mask token's text (`[MASK]` for BERT, `<mask>` for RoBERTa and MPNet) as transformers resolves
  /// `tokenizer.mask_token`: tokenizer_config.json / special_tokens_map.json `mask_token`, else the class's default.
  public let maskToken: String
  /// The mask token's id, `nil` when the vocabulary has no such token.
  public var maskTokenID: Int? { id(of: maskToken) }
  /// The file the vocabulary was read from (tokenizer.json or vocab.txt).
  public let source: String
  public let paddingSide: Side
  public let truncationSide: Side

  private let normalizer: BertNormalizer
  private let model: WordPieceModel
  private let rawTokens: AddedTokenMatcher
  private let normalizedTokens: AddedTokenMatcher
  private let postProcessor: PostProcessor
  private let addedTokenIDs: [String: Int32]
  private let tokenTexts: [Int32: String]
  private let tables: CharacterTables
  /// Set for a tokenizer that is not BERT's: then `normalizer`, `model` and the matchers are unused.
  private let general: GeneralPipeline?

  /// Loads the tokenizer of a model directory: `tokenizer.json` when present, else `vocab.txt`; with
  /// `tokenizer_config.json` and `special_tokens_map.json` when present.
  ///
  /// As in transformers, tokenizer_config.json's `do_lower_case`, `strip_accents` and `tokenize_chinese_chars`
  /// (defaults `true`, `null`, `true`) win over tokenizer.json's normalizer — so a cased tokenizer.json needs a
  /// tokenizer_config.json that says `"do_lower_case": false`.
  /// - Throws: ``TokenizerError`` naming the file that is missing, unreadable, malformed or unsupported.
  public init(directory: String) throws(TokenizerError) {
    try self.init(try TokenizerDefinition.load(directory: directory))
  }

  init(_ definition: TokenizerDefinition) throws(TokenizerError) {
    let tables = CharacterTables.shared
    self.tables = tables
    normalizer = definition.normalizer
    let vocabulary = Vocabulary(definition.vocabulary, continuingSubwordPrefix: definition.continuingSubwordPrefix)
    if definition.general == nil {
      guard let unknown = vocabulary.id(of: definition.unknownToken) else {
        throw TokenizerError(.malformed, file: definition.source, "unk_token \"\(definition.unknownToken)\" is not in the vocabulary")
      }
      model = WordPieceModel(vocabulary: vocabulary, unknownID: unknown, maxInputCharsPerWord: definition.maxInputCharsPerWord)
    } else {
      // Only for `id(of:)`: the general pipeline has its own model.
      model = WordPieceModel(vocabulary: vocabulary, unknownID: 0, maxInputCharsPerWord: 0)
    }
    postProcessor = definition.postProcessor
    modelMaxLength = definition.modelMaxLength
    source = definition.source
    paddingSide = definition.paddingSide
    truncationSide = definition.truncationSide
    padTokenID = Int(definition.id(of: definition.padToken) ?? definition.fallbackPadID)
    maskToken = definition.maskToken
    var ids: [String: Int32] = [:]
    for token in definition.addedTokens { ids[token.content] = token.id }
    addedTokenIDs = ids
    var texts: [Int32: String] = [:]
    texts.reserveCapacity(definition.vocabulary.count + definition.addedTokens.count)
    for (token, id) in definition.vocabulary { texts[id] = token }
    for token in definition.addedTokens { texts[token.id] = token.content }
    tokenTexts = texts
    rawTokens = AddedTokenMatcher(definition.addedTokens.filter { !$0.normalized }.map { (Array($0.content.utf8), $0) })
    // A normalized token is looked for as the normalizer leaves its content.
    let normalizer = self.normalizer
    normalizedTokens = AddedTokenMatcher(definition.addedTokens.filter(\.normalized).map { token in
      var content = token.content
      var sink = NormalizedText()
      content.withUTF8 { normalizer.normalize($0, tables: tables, into: &sink) }
      return (sink.utf8, token)
    })
    general = definition.general.map { parts in
      GeneralPipeline(
        normalizer: parts.normalizer, preTokenizer: parts.preTokenizer, model: parts.model,
        rawTokens: AddedTokenMatcher(definition.addedTokens.filter { !$0.normalized }.map { (Array($0.content.utf8), $0) }),
        normalizedTokens: AddedTokenMatcher(definition.addedTokens.filter(\.normalized).map { token in
          var s = NormalizedString(token.content.unicodeScalars.map(\.value), base: 0)
          parts.normalizer?.normalize(&s, tables: tables)
          return (s.utf8().bytes, token)
        }))
    }
  }

  /// The id of a token (an added token, or a vocabulary entry), as `convert_tokens_to_ids` finds it.
  public func id(of token: String) -> Int? {
    (addedTokenIDs[token] ?? model.vocabulary.id(of: token)).map(Int.init)
  }

  /// The text of a token id (`convert_ids_to_tokens`), `nil` for an id no token has.
  public func token(of id: Int) -> String? {
    Int32(exactly: id).flatMap { tokenTexts[$0] }
  }

  /// Encodes one text, or a pair, like `tokenizer(text, pair, truncation=True, max_length=maxLength)`.
  ///
  /// - Parameters:
  ///   - pair: the second text. As in transformers' single-text call, an empty pair counts as none.
  ///   - maxLength: the longest result, special tokens included; `nil` means ``modelMaxLength``, `Int.max` none.
  ///     A pair loses tokens from its longer text first. A length below the number of special tokens truncates
  ///     nothing, as in tokenizers.
  ///   - addSpecialTokens: `false` leaves out `[CLS]` and `[SEP]`.
  public func encode(_ text: String, pair: String? = nil, maxLength: Int? = nil, addSpecialTokens: Bool = true) -> Encoding {
    encodeRow(text, pair: pair?.isEmpty == false ? pair : nil, maxLength: maxLength, addSpecialTokens: addSpecialTokens)
  }

  /// Encodes texts (or pairs) and pads them to the longest, like `tokenizer(texts, pairs, padding=True,
  /// truncation=True, max_length=maxLength)`.
  ///
  /// - Parameter pairs: one second text per text. Unlike ``encode(_:pair:maxLength:addSpecialTokens:)``, an
  ///   empty second text still makes a pair (`[CLS] a [SEP] [SEP]`), as in transformers' batch call.
  /// - Precondition: `pairs` is `nil` or as long as `texts`.
  public func encodeBatch(_ texts: [String], pairs: [String]? = nil, maxLength: Int? = nil, addSpecialTokens: Bool = true) -> BatchEncoding {
    precondition(pairs == nil || pairs!.count == texts.count, "encodeBatch: \(pairs!.count) pairs for \(texts.count) texts")
    return padded(texts.indices.map { i in
      encodeRow(texts[i], pair: pairs?[i], maxLength: maxLength, addSpecialTokens: addSpecialTokens)
    })
  }

  /// Encodes rows that may mix single texts and pairs, each as ``encode(_:pair:maxLength:addSpecialTokens:)``
  /// does (an empty pair counts as none), and pads them to the longest — how the goldens' `texts` were encoded.
  public func encodeBatch(_ rows: [(text: String, pair: String?)], maxLength: Int? = nil, addSpecialTokens: Bool = true) -> BatchEncoding {
    padded(rows.map { encode($0.text, pair: $0.pair, maxLength: maxLength, addSpecialTokens: addSpecialTokens) })
  }

  private func padded(_ rows: [Encoding]) -> BatchEncoding {
    let length = rows.map(\.ids.count).max() ?? 0
    var batch = BatchEncoding(inputIds: [], tokenTypeIds: [], attentionMask: [])
    batch.encodings = rows
    for row in rows {
      let padding = length - row.ids.count
      func pad<T>(_ values: [T], with value: T) -> [T] {
        let filler = [T](repeating: value, count: padding)
        return paddingSide == .right ? values + filler : filler + values
      }
      batch.inputIds.append(pad(row.ids, with: padTokenID))
      batch.tokenTypeIds.append(pad(row.typeIds, with: 0))
      batch.attentionMask.append(pad(row.attentionMask, with: 0))
      batch.offsets.append(pad(row.offsets, with: .none))
      batch.specialTokensMask.append(pad(row.specialTokensMask, with: 1))
    }
    return batch
  }

  /// The pieces of one text, special tokens and truncation left out.
  func tokenIDs(_ text: String) -> [Int32] {
    pieces(text).ids
  }

  /// The pieces of one text with their spans, special tokens and truncation left out.
  func pieces(_ text: String) -> TokenPieces {
    if let general { return general.pieces(text, tables: tables) }
    var text = text
    return text.withUTF8 { bytes in
      BertPreTokenizer.with(model: model) { words in
        guard !rawTokens.isEmpty || !normalizedTokens.isEmpty else {
          normalizer.normalize(bytes, tables: tables, into: &words)
          return words.take()
        }
        var pieces = TokenPieces()
        // Byte offsets become scalar offsets as the pieces go by.
        var offsets = ScalarOffsets(bytes)
        for piece in rawTokens.split(bytes, tables: tables) {
          switch piece {
          case .token(let id, let range):
            let start = offsets.index(range.lowerBound)
            pieces.append(id, TokenSpan(start: start, end: offsets.index(range.upperBound)),
                          text: String(decoding: UnsafeBufferPointer(rebasing: bytes[range]), as: UTF8.self))
          case .text(let range):
            let base = Int32(truncatingIfNeeded: offsets.index(range.lowerBound))
            let segment = UnsafeBufferPointer(rebasing: bytes[range])
            if normalizedTokens.isEmpty {
              normalizer.normalize(segment, base: base, tables: tables, into: &words)
              pieces += words.take()
            } else {
              pieces += normalizedPieces(segment, base: base, words: &words)
            }
          }
        }
        return pieces
      }
    }
  }

  /// A segment whose normalized text may hold normalized added tokens.
  private func normalizedPieces(_ segment: UnsafeBufferPointer<UInt8>, base: Int32, words: inout BertPreTokenizer) -> TokenPieces {
    var normalized = NormalizedText()
    normalizer.normalize(segment, base: base, tables: tables, into: &normalized)
    let origins = normalized.origins
    return normalized.utf8.withUnsafeBufferPointer { text in
      var pieces = TokenPieces()
      for piece in normalizedTokens.split(text, tables: tables) {
        switch piece {
        case .token(let id, let range):
          pieces.append(id, TokenSpan(start: Int(origins[range.lowerBound]), end: Int(origins[range.upperBound - 1]) + 1),
                        text: String(decoding: UnsafeBufferPointer(rebasing: text[range]), as: UTF8.self))
        case .text(let range):
          forEachCharacter(in: UnsafeBufferPointer(rebasing: text[range]), origins: origins[range], tables: tables, into: &words)
          pieces += words.take()
        }
      }
      return pieces
    }
  }

  private func encodeRow(_ text: String, pair: String?, maxLength: Int?, addSpecialTokens: Bool) -> Encoding {
    var a = pieces(text)
    var b = pair.map(pieces)
    if let limit = maxLength ?? modelMaxLength {
      let added = addSpecialTokens ? postProcessor.addedTokenCount(pair: b != nil) : 0
      Truncation.apply(&a, &b, maxLength: limit, added: added, side: truncationSide)
    }
    return postProcessor.assemble(a, b, addSpecialTokens: addSpecialTokens) { tokenTexts[$0] ?? "" }
  }
}
