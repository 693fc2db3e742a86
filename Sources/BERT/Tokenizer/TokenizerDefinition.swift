import Support
import Foundation
import SafeTensors

/// Everything a ``WordPieceTokenizer`` is made of, read from a model directory the way transformers'
/// `BertTokenizerFast.from_pretrained` reads it.
struct TokenizerDefinition {
  var normalizer: BertNormalizer
  var vocabulary: [String: Int32]
  var unknownToken: String
  var continuingSubwordPrefix = "##"
  var maxInputCharsPerWord = 100
  var addedTokens: [AddedToken] = []
  var postProcessor: PostProcessor
  /// Truncation length when the caller gives none.
  var modelMaxLength: Int?
  var truncationSide: WordPieceTokenizer.Side = .right
  var padToken: String
  /// The mask token (tokenizer_config.json / special_tokens_map.json `mask_token`, else the class's default).
  var maskToken = "[MASK]"
  /// tokenizer.json's `padding.pad_id`, used when the pad token has no id.
  var fallbackPadID: Int32 = 0
  var paddingSide: WordPieceTokenizer.Side = .right
  /// The file the vocabulary came from.
  var source: String
  /// Set for a tokenizer.json that is not BERT's (BertNormalizer + BertPreTokenizer + WordPiece): the parts the
  /// general pipeline runs.
  var general: GeneralParts?

  /// Reads `tokenizer.json` when present, otherwise `vocab.txt`; `tokenizer_config.json` and
  /// `special_tokens_map.json` beside it adjust either.
  /// - Throws: ``TokenizerError`` naming the file at fault.
  static func load(directory: String) throws(TokenizerError) -> TokenizerDefinition {
    let dir = directory.hasSuffix("/") ? String(directory.dropLast()) : directory
    let settings = try TransformersSettings(directory: dir)
    let fm = FileManager.default
    var definition: TokenizerDefinition
    if fm.fileExists(atPath: dir + "/tokenizer.json") {
      definition = try fromTokenizerJSON(dir + "/tokenizer.json", settings: settings)
    } else if fm.fileExists(atPath: dir + "/vocab.txt") {
      definition = try fromVocabularyFile(dir + "/vocab.txt", settings: settings)
    } else {
      throw TokenizerError(.missing, file: dir, "neither tokenizer.json nor vocab.txt")
    }
    definition.maskToken = settings.maskToken
    return definition
  }

  // MARK: tokenizer.json

  private static func fromTokenizerJSON(_ path: String, settings: TransformersSettings) throws(TokenizerError) -> TokenizerDefinition {
    let json = try TokenizerFiles.readJSON(path)
    func fail(_ detail: String) -> TokenizerError { TokenizerError(.malformed, file: path, detail) }
    func unsupported(_ detail: String) -> TokenizerError { TokenizerError(.unsupported, file: path, detail) }

    let isBERT = json["normalizer"]?["type"]?.stringValue == "BertNormalizer"
      && json["pre_tokenizer"]?["type"]?.stringValue == "BertPreTokenizer"
      && (json["model"]?["type"]?.stringValue ?? "WordPiece") == "WordPiece"
    if !isBERT, json["model"]?["type"]?.stringValue != nil {
      return try fromGeneralJSON(json, path: path, settings: settings)
    }

    // Normalizer. BertTokenizerFast rebuilds it with tokenizer_config.json's do_lower_case, strip_accents and
    // tokenize_chinese_chars (their defaults when the file or key is missing); only clean_text is kept.
    guard let normalizerJSON = json["normalizer"], case .object = normalizerJSON else {
      throw unsupported("no normalizer (a BERT tokenizer has a BertNormalizer)")
    }
    guard normalizerJSON["type"]?.stringValue == "BertNormalizer" else {
      throw unsupported("normalizer \(normalizerJSON["type"]?.stringValue ?? "?"), expected BertNormalizer")
    }
    let normalizer = BertNormalizer(
      cleanText: normalizerJSON["clean_text"]?.boolValue ?? true, handleChineseChars: settings.tokenizeChineseChars,
      stripAccents: settings.stripAccents, lowercase: settings.doLowerCase)

    guard json["pre_tokenizer"]?["type"]?.stringValue == "BertPreTokenizer" else {
      throw unsupported("pre_tokenizer \(json["pre_tokenizer"]?["type"]?.stringValue ?? "null"), expected BertPreTokenizer")
    }

    // Model.
    guard let model = json["model"], model["type"]?.stringValue == "WordPiece" || model["type"] == nil,
          let vocabMembers = model["vocab"]?.objectValue
    else { throw unsupported("model \(json["model"]?["type"]?.stringValue ?? "?"), expected WordPiece with a vocab") }
    var vocabulary: [String: Int32] = [:]
    vocabulary.reserveCapacity(vocabMembers.count)
    for (token, value) in vocabMembers {
      guard let id = value.intValue, let id32 = Int32(exactly: id), id32 >= 0 else { throw fail("model.vocab[\"\(token)\"] is not a token id") }
      vocabulary[token] = id32
    }
    guard let unknown = model["unk_token"]?.stringValue else { throw fail("model.unk_token is missing") }
    guard vocabulary[unknown] != nil else { throw fail("unk_token \"\(unknown)\" is not in the vocabulary") }
    var definition = TokenizerDefinition(
      normalizer: normalizer, vocabulary: vocabulary, unknownToken: unknown, postProcessor: .none,
      modelMaxLength: settings.modelMaxLength, truncationSide: settings.truncationSide, padToken: settings.padToken,
      paddingSide: settings.paddingSide, source: path)
    if let prefix = model["continuing_subword_prefix"]?.stringValue { definition.continuingSubwordPrefix = prefix }
    if let limit = model["max_input_chars_per_word"]?.intValue {
      guard limit >= 0 else { throw fail("model.max_input_chars_per_word is negative") }
      definition.maxInputCharsPerWord = limit
    }

    try definition.readAddedTokensAndProcessor(json, path: path, settings: settings)
    return definition
  }

  /// A tokenizer.json for the general pipeline (byte-level BPE, Unigram, WordPiece with other parts).
  private static func fromGeneralJSON(_ json: JSONValue, path: String, settings: TransformersSettings) throws(TokenizerError) -> TokenizerDefinition {
    var parts = try GeneralParts.parse(json, path: path, settings: settings)
    // BertTokenizerFast-style classes (MPNet) rebuild a BertNormalizer from tokenizer_config.json.
    if case .bert(let bert)? = parts.normalizer {
      parts.normalizer = .bert(BertNormalizer(
        cleanText: bert.cleanText, handleChineseChars: settings.tokenizeChineseChars, stripAccents: settings.stripAccents,
        lowercase: settings.doLowerCase))
    }
    var definition = TokenizerDefinition(
      normalizer: BertNormalizer(), vocabulary: parts.vocabulary, unknownToken: settings.unkToken, postProcessor: .none,
      modelMaxLength: settings.modelMaxLength, truncationSide: settings.truncationSide, padToken: settings.padToken,
      paddingSide: settings.paddingSide, source: path, general: parts)
    try definition.readAddedTokensAndProcessor(json, path: path, settings: settings)
    return definition
  }

  /// Added tokens, the post-processor and the length fallbacks, the same for every kind of model.
  private mutating func readAddedTokensAndProcessor(_ json: JSONValue, path: String, settings: TransformersSettings) throws(TokenizerError) {
    func fail(_ detail: String) -> TokenizerError { TokenizerError(.malformed, file: path, detail) }
    func unsupported(_ detail: String) -> TokenizerError { TokenizerError(.unsupported, file: path, detail) }
    var definition = self
    defer { self = definition }
    // Added tokens: the file's, then tokenizer_config.json's, then special tokens not added yet.
    for (index, item) in (json["added_tokens"]?.arrayValue ?? []).enumerated() {
      guard let content = item["content"]?.stringValue, let id = item["id"]?.intValue, let id32 = Int32(exactly: id), id32 >= 0 else {
        throw fail("added_tokens[\(index)] needs a content and an id")
      }
      definition.add(AddedToken(
        content: content, id: id32, singleWord: item["single_word"]?.boolValue ?? false, lstrip: item["lstrip"]?.boolValue ?? false,
        rstrip: item["rstrip"]?.boolValue ?? false, normalized: item["normalized"]?.boolValue ?? true,
        special: item["special"]?.boolValue ?? false))
    }
    try definition.addTransformersTokens(settings, path: path)

    // Post-processor.
    let processor = json["post_processor"]
    switch processor?["type"]?.stringValue {
    case nil:
      definition.postProcessor = .none
    case "BertProcessing":
      guard let cls = processor?["cls"]?.arrayValue, cls.count == 2, let clsID = cls[1].intValue.flatMap(Int32.init(exactly:)),
            let sep = processor?["sep"]?.arrayValue, sep.count == 2, let sepID = sep[1].intValue.flatMap(Int32.init(exactly:))
      else { throw fail("post_processor BertProcessing needs cls and sep as [token, id]") }
      definition.postProcessor = .bert(cls: clsID, sep: sepID)
    case "TemplateProcessing":
      definition.postProcessor = try Self.template(processor!, path: path)
    case "RobertaProcessing":
      guard let cls = processor?["cls"]?.arrayValue, cls.count == 2, let clsID = cls[1].intValue.flatMap(Int32.init(exactly:)),
            let sep = processor?["sep"]?.arrayValue, sep.count == 2, let sepID = sep[1].intValue.flatMap(Int32.init(exactly:))
      else { throw fail("post_processor RobertaProcessing needs cls and sep as [token, id]") }
      var roberta = PostProcessor.roberta(cls: clsID, sep: sepID)
      if settings.trimOffsets ?? processor?["trim_offsets"]?.boolValue ?? true {
        roberta.trim = .init(addPrefixSpace: settings.addPrefixSpace ?? processor?["add_prefix_space"]?.boolValue ?? true)
      }
      definition.postProcessor = roberta
    case "ByteLevel":
      var none = PostProcessor.none
      if processor?["trim_offsets"]?.boolValue ?? true {
        none.trim = .init(addPrefixSpace: processor?["add_prefix_space"]?.boolValue ?? true)
      }
      definition.postProcessor = none
    case let other?:
      throw unsupported("post_processor \(other), expected TemplateProcessing, BertProcessing, RobertaProcessing or ByteLevel")
    }

    // transformers ignores tokenizer.json's truncation and padding unless asked; its length is a fallback only.
    if definition.modelMaxLength == nil, let length = json["truncation"]?["max_length"]?.intValue {
      definition.modelMaxLength = length
    }
    if let padID = json["padding"]?["pad_id"]?.intValue.flatMap(Int32.init(exactly:)) { definition.fallbackPadID = padID }
  }

  private static func template(_ processor: JSONValue, path: String) throws(TokenizerError) -> PostProcessor {
    func fail(_ detail: String) -> TokenizerError { TokenizerError(.malformed, file: path, "post_processor: " + detail) }
    // tokenizers reads type_id as a u32; ours are Int32, so anything outside 0…Int32.max is refused.
    func typeID(_ item: JSONValue) throws(TokenizerError) -> Int32 {
      guard let field = item["type_id"] else { return 0 }
      guard let value = field.intValue, let id = Int32(exactly: value), id >= 0 else {
        throw fail("type_id \(field.canonicalText) is not an integer in 0…\(Int32.max)")
      }
      return id
    }
    var specials: [String: [Int32]] = [:]
    for (name, value) in processor["special_tokens"]?.objectValue ?? [] {
      guard let ids = value["ids"]?.arrayValue?.compactMap({ $0.intValue.flatMap(Int32.init(exactly:)) }) else {
        throw fail("special token \(name) has no ids")
      }
      specials[name] = ids
    }
    func pieces(_ key: String) throws(TokenizerError) -> [PostProcessor.Piece] {
      guard let items = processor[key]?.arrayValue else { throw fail("no \(key) template") }
      var out: [PostProcessor.Piece] = []
      for item in items {
        if let special = item["SpecialToken"] {
          guard let name = special["id"]?.stringValue, let ids = specials[name] else { throw fail("unknown special token in \(key)") }
          out.append(.special(ids: ids, typeID: try typeID(special)))
        } else if let sequence = item["Sequence"] {
          let name = sequence["id"]?.stringValue
          guard name == "A" || name == "B" else { throw fail("sequence \(name ?? "?") in \(key)") }
          out.append(.sequence(first: name == "A", typeID: try typeID(sequence)))
        } else {
          throw fail("\(key) holds something other than SpecialToken and Sequence")
        }
      }
      return out
    }
    return PostProcessor(single: try pieces("single"), pair: try pieces("pair"))
  }

  // MARK: vocab.txt

  /// What transformers' BertConverter builds from the slow tokenizer's files.
  private static func fromVocabularyFile(_ path: String, settings: TransformersSettings) throws(TokenizerError) -> TokenizerDefinition {
    let bytes = try TokenizerFiles.read(path)
    guard let text = String(bytes: bytes, encoding: .utf8) else {
      throw TokenizerError(.malformed, file: path, "not UTF-8")
    }
    // Python's text mode: universal newlines (\n, \r\n and \r end a line); a later duplicate wins.
    var vocabulary: [String: Int32] = [:]
    var index: Int32 = 0
    var line = String.UnicodeScalarView()
    var afterCR = false
    for scalar in text.unicodeScalars {
      if scalar == "\n" || scalar == "\r" {
        if scalar == "\n", afterCR {
          afterCR = false
          continue
        }
        vocabulary[String(line)] = index
        index += 1
        line = String.UnicodeScalarView()
        afterCR = scalar == "\r"
      } else {
        line.append(scalar)
        afterCR = false
      }
    }
    if !line.isEmpty {
      vocabulary[String(line)] = index
    }
    guard !vocabulary.isEmpty else { throw TokenizerError(.malformed, file: path, "empty vocabulary") }
    let normalizer = BertNormalizer(
      cleanText: true, handleChineseChars: settings.tokenizeChineseChars, stripAccents: settings.stripAccents,
      lowercase: settings.doLowerCase)
    var definition = TokenizerDefinition(
      normalizer: normalizer, vocabulary: vocabulary, unknownToken: settings.unkToken, postProcessor: .none,
      modelMaxLength: settings.modelMaxLength, truncationSide: settings.truncationSide, padToken: settings.padToken,
      paddingSide: settings.paddingSide, source: path)
    guard let unknownID = vocabulary[settings.unkToken] else {
      throw TokenizerError(.malformed, file: path, "unk_token \"\(settings.unkToken)\" is not in the vocabulary")
    }
    try definition.addTransformersTokens(settings, path: path)
    let cls = definition.id(of: settings.clsToken) ?? unknownID
    let sep = definition.id(of: settings.sepToken) ?? unknownID
    definition.postProcessor = .bert(cls: cls, sep: sep)
    return definition
  }

  // MARK: Added tokens

  /// The id of a token: an added token first, then the vocabulary.
  func id(of token: String) -> Int32? {
    addedTokens.first { $0.content == token }?.id ?? vocabulary[token]
  }

  /// Adds a token unless one with that content is there (tokenizers' AddedVocabulary keeps the first).
  private mutating func add(_ token: AddedToken) {
    guard !token.content.isEmpty, !addedTokens.contains(where: { $0.content == token.content }) else { return }
    addedTokens.append(token)
  }

  /// The tokens transformers adds on top of the backend tokenizer: tokenizer_config.json's
  /// `added_tokens_decoder`, then the special tokens (never normalized) that are not there yet. A token the
  /// vocabulary lacks gets the next id after the vocabulary and the added tokens, as tokenizers assigns it.
  private mutating func addTransformersTokens(_ settings: TransformersSettings, path: String) throws(TokenizerError) {
    var tokens = settings.addedTokensDecoder
    for special in settings.specialTokens where !tokens.contains(where: { $0.content == special }) {
      tokens.append(AddedToken(content: special, id: -1, normalized: false, special: true))
    }
    for var token in tokens where !addedTokens.contains(where: { $0.content == token.content }) {
      if let known = id(of: token.content) {
        token.id = known
      } else {
        let vocabSize = Int32(vocabulary.count)
        let maxAdded = addedTokens.map(\.id).max()
        // An added token at Int32.max leaves no id for the next one (ids are Int32 here, as tokenizers' are u32).
        guard maxAdded != Int32.max else {
          throw TokenizerError(.unsupported, file: path, "no id left for \"\(token.content)\" after an added token with id \(Int32.max)")
        }
        token.id = maxAdded.map { $0 >= vocabSize ? $0 + 1 : vocabSize } ?? vocabSize
      }
      add(token)
    }
  }
}
