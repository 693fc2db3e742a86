import Support

/// Reading the parts of a tokenizer.json that the general pipeline runs. Every value comes from an untrusted
/// file: types are checked, sizes bounded, and a problem is a ``TokenizerError`` naming the file.
struct GeneralParts {
  var normalizer: GeneralNormalizer?
  var preTokenizer: GeneralPreTokenizer?
  var model: GeneralModel
  /// token → id, for `id(of:)`, the tokens' texts and the special tokens.
  var vocabulary: [String: Int32]

  /// Nesting deeper than this (Sequence in Sequence…) is refused.
  static let maxDepth = 16
  /// More vocabulary entries or merges than this are refused (the largest real vocabularies hold ~250,000).
  static let maxEntries = 4_000_000

  static func parse(_ json: JSONValue, path: String, settings: TransformersSettings) throws(TokenizerError) -> GeneralParts {
    func fail(_ detail: String) -> TokenizerError { TokenizerError(.malformed, file: path, detail) }
    func unsupported(_ detail: String) -> TokenizerError { TokenizerError(.unsupported, file: path, detail) }

    func normalizer(_ value: JSONValue, depth: Int) throws(TokenizerError) -> GeneralNormalizer {
      guard depth < maxDepth else { throw fail("normalizer: nested deeper than \(maxDepth)") }
      guard let type = value["type"]?.stringValue else { throw fail("normalizer without a type") }
      switch type {
      case "Sequence":
        guard let items = value["normalizers"]?.arrayValue else { throw fail("normalizer Sequence without normalizers") }
        var steps: [GeneralNormalizer] = []
        for item in items { steps.append(try normalizer(item, depth: depth + 1)) }
        return .sequence(steps)
      case "Precompiled":
        guard let map = value["precompiled_charsmap"] else { throw fail("Precompiled without precompiled_charsmap") }
        if case .null = map { return .sequence([]) }
        guard let text = map.stringValue else { throw fail("precompiled_charsmap is not a string") }
        switch PrecompiledCharsmap.parse(base64: text) {
        case .success(let charsmap): return .precompiled(charsmap)
        case .failure(let error): throw fail(error.detail)
        }
      case "Strip":
        return .strip(left: value["strip_left"]?.boolValue ?? true, right: value["strip_right"]?.boolValue ?? true)
      case "StripAccents":
        throw unsupported("normalizer StripAccents")
      case "Replace":
        guard let content = value["content"]?.stringValue else { throw fail("Replace without content") }
        return .replace(try pattern(value["pattern"], what: "Replace"), content: content.unicodeScalars.map(\.value))
      case "Prepend":
        guard let content = value["prepend"]?.stringValue else { throw fail("Prepend without prepend") }
        return .prepend(content.unicodeScalars.map(\.value))
      case "Lowercase": return .lowercase
      case "NFC": return .unicode(.nfc)
      case "NFD": return .unicode(.nfd)
      case "NFKC": return .unicode(.nfkc)
      case "NFKD": return .unicode(.nfkd)
      case "BertNormalizer":
        return .bert(BertNormalizer(
          cleanText: value["clean_text"]?.boolValue ?? true, handleChineseChars: value["handle_chinese_chars"]?.boolValue ?? true,
          stripAccents: value["strip_accents"]?.boolValue, lowercase: value["lowercase"]?.boolValue ?? true))
      default:
        throw unsupported("normalizer \(type)")
      }
    }

    func pattern(_ value: JSONValue?, what: String) throws(TokenizerError) -> ReplacePattern {
      if let literal = value?["String"]?.stringValue {
        return .literal(literal.unicodeScalars.map(\.value))
      }
      if let regex = value?["Regex"]?.stringValue {
        guard regex.utf8.count <= 1000 else { throw fail("\(what): regex longer than 1000 bytes") }
        do { return .regex(try RegexBox(regex)) } catch { throw fail("\(what): invalid regex \(regex)") }
      }
      throw fail("\(what) pattern is neither a String nor a Regex")
    }

    func preTokenizer(_ value: JSONValue, depth: Int) throws(TokenizerError) -> GeneralPreTokenizer {
      guard depth < maxDepth else { throw fail("pre_tokenizer: nested deeper than \(maxDepth)") }
      guard let type = value["type"]?.stringValue else { throw fail("pre_tokenizer without a type") }
      switch type {
      case "Sequence":
        guard let items = value["pretokenizers"]?.arrayValue else { throw fail("pre_tokenizer Sequence without pretokenizers") }
        var steps: [GeneralPreTokenizer] = []
        for item in items { steps.append(try preTokenizer(item, depth: depth + 1)) }
        return .sequence(steps)
      case "ByteLevel":
        return .byteLevel(addPrefixSpace: settings.addPrefixSpace ?? value["add_prefix_space"]?.boolValue ?? true,
                          useRegex: value["use_regex"]?.boolValue ?? true)
      case "Metaspace":
        let replacement = value["replacement"]?.stringValue ?? "▁"
        guard replacement.unicodeScalars.count == 1 else { throw fail("Metaspace replacement must be one character") }
        var scheme: GeneralPreTokenizer.PrependScheme = .always
        switch value["prepend_scheme"]?.stringValue {
        case "always": scheme = .always
        case "first": scheme = .first
        case "never": scheme = .never
        case nil: scheme = value["add_prefix_space"]?.boolValue == false ? .never : .always
        case let other?: throw fail("Metaspace prepend_scheme \(other)")
        }
        return .metaspace(replacement: replacement.unicodeScalars.first!.value, prepend: scheme, split: value["split"]?.boolValue ?? true)
      case "BertPreTokenizer": return .bert
      case "WhitespaceSplit": return .whitespaceSplit
      default:
        throw unsupported("pre_tokenizer \(type)")
      }
    }

    guard let modelJSON = json["model"], case .object = modelJSON else { throw fail("no model") }
    var vocabulary: [String: Int32] = [:]
    let model: GeneralModel
    switch modelJSON["type"]?.stringValue {
    case "BPE"?:
      guard let vocab = modelJSON["vocab"]?.objectValue else { throw fail("BPE model without a vocab object") }
      guard vocab.count <= maxEntries else { throw fail("BPE vocab of \(vocab.count) entries (limit \(maxEntries))") }
      vocabulary.reserveCapacity(vocab.count)
      for (token, value) in vocab {
        guard let id = value.intValue.flatMap(Int32.init(exactly:)), id >= 0 else { throw fail("model.vocab[\"\(token)\"] is not a token id") }
        vocabulary[token] = id
      }
      let prefix = modelJSON["continuing_subword_prefix"]?.stringValue ?? ""
      guard let mergeList = modelJSON["merges"]?.arrayValue else { throw fail("BPE model without merges") }
      guard mergeList.count <= maxEntries else { throw fail("\(mergeList.count) merges (limit \(maxEntries))") }
      var merges: [BPEModel.Pair: (rank: Int32, id: Int32)] = [:]
      merges.reserveCapacity(mergeList.count)
      for (rank, item) in mergeList.enumerated() {
        let parts: [String]
        if let pair = item.arrayValue {
          guard pair.count == 2, let a = pair[0].stringValue, let b = pair[1].stringValue else { throw fail("merges[\(rank)] is not a pair of strings") }
          parts = [a, b]
        } else if let line = item.stringValue {
          let split = line.split(separator: " ", omittingEmptySubsequences: false)
          guard split.count == 2 else { throw fail("merges[\(rank)] \"\(line.prefix(40))\" is not two tokens") }
          parts = split.map(String.init)
        } else {
          throw fail("merges[\(rank)] is neither a pair nor a string")
        }
        let merged = parts[0] + (parts[1].hasPrefix(prefix) ? String(parts[1].dropFirst(prefix.count)) : parts[1])
        guard let a = vocabulary[parts[0]], let b = vocabulary[parts[1]] else {
          throw fail("merges[\(rank)]: \"\(parts[0].prefix(40))\" or \"\(parts[1].prefix(40))\" is not in the vocabulary")
        }
        guard let id = vocabulary[merged] else { throw fail("merges[\(rank)]: \"\(merged.prefix(40))\" is not in the vocabulary") }
        let key = BPEModel.Pair(left: a, right: b)
        if merges[key] == nil { merges[key] = (Int32(rank), id) }
      }
      var unknown: Int32?
      if let unk = modelJSON["unk_token"]?.stringValue {
        guard let id = vocabulary[unk] else { throw fail("unk_token \"\(unk)\" is not in the vocabulary") }
        unknown = id
      }
      if let dropout = modelJSON["dropout"]?.doubleValue, dropout > 0 { throw unsupported("BPE dropout \(dropout)") }
      model = .bpe(BPEModel(
        vocabulary: vocabulary, merges: merges, unknownID: unknown, continuingSubwordPrefix: prefix,
        endOfWordSuffix: modelJSON["end_of_word_suffix"]?.stringValue ?? "", fuseUnknown: modelJSON["fuse_unk"]?.boolValue ?? false,
        byteFallback: modelJSON["byte_fallback"]?.boolValue ?? false, ignoreMerges: modelJSON["ignore_merges"]?.boolValue ?? false))
    case "Unigram"?:
      guard let vocab = modelJSON["vocab"]?.arrayValue else { throw fail("Unigram model without a vocab list") }
      guard vocab.count <= maxEntries else { throw fail("Unigram vocab of \(vocab.count) entries (limit \(maxEntries))") }
      var pieces: [(String, Double)] = []
      pieces.reserveCapacity(vocab.count)
      for (index, item) in vocab.enumerated() {
        guard let pair = item.arrayValue, pair.count == 2, let piece = pair[0].stringValue, let score = pair[1].doubleValue, score.isFinite else {
          throw fail("model.vocab[\(index)] is not [piece, score]")
        }
        pieces.append((piece, score))
        vocabulary[piece] = Int32(index)
      }
      var unknown: Int32?
      if let unk = modelJSON["unk_id"], !(unk == .null) {
        guard let id = unk.intValue, id >= 0, id < vocab.count else { throw fail("unk_id is not an index of the vocab") }
        unknown = Int32(id)
      }
      guard unknown != nil else { throw unsupported("Unigram without unk_id") }
      model = .unigram(UnigramModel(pieces: pieces, unknownID: unknown, byteFallback: modelJSON["byte_fallback"]?.boolValue ?? false))
    case "WordPiece"?:
      guard let vocab = modelJSON["vocab"]?.objectValue else { throw fail("WordPiece model without a vocab object") }
      for (token, value) in vocab {
        guard let id = value.intValue.flatMap(Int32.init(exactly:)), id >= 0 else { throw fail("model.vocab[\"\(token)\"] is not a token id") }
        vocabulary[token] = id
      }
      guard let unk = modelJSON["unk_token"]?.stringValue, let unknown = vocabulary[unk] else { throw fail("WordPiece unk_token is missing or not in the vocabulary") }
      let table = Vocabulary(vocabulary, continuingSubwordPrefix: modelJSON["continuing_subword_prefix"]?.stringValue ?? "##")
      model = .wordPiece(WordPieceModel(vocabulary: table, unknownID: unknown, maxInputCharsPerWord: max(0, modelJSON["max_input_chars_per_word"]?.intValue ?? 100)))
    case let other:
      throw unsupported("model \(other ?? "without a type")")
    }

    var parts = GeneralParts(model: model, vocabulary: vocabulary)
    if let value = json["normalizer"], !(value == .null) { parts.normalizer = try normalizer(value, depth: 0) }
    if let value = json["pre_tokenizer"], !(value == .null) { parts.preTokenizer = try preTokenizer(value, depth: 0) }
    return parts
  }
}
