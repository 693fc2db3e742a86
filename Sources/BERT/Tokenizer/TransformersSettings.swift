import Support
import Foundation
import SafeTensors

/// The keyword arguments transformers passes to `BertTokenizerFast.__init__`, with its defaults.
struct TransformersSettings {
  var doLowerCase = true
  var stripAccents: Bool? = nil
  var tokenizeChineseChars = true
  var modelMaxLength: Int?
  var truncationSide: WordPieceTokenizer.Side = .right
  var paddingSide: WordPieceTokenizer.Side = .right
  var unkToken = "[UNK]"
  var sepToken = "[SEP]"
  var padToken = "[PAD]"
  var clsToken = "[CLS]"
  var maskToken = "[MASK]"
  /// `tokenizer_class` from tokenizer_config.json (`BertTokenizer`, `RobertaTokenizer`, …), when given.
  var tokenizerClass: String?
  var additionalSpecialTokens: [String] = []
  var addedTokensDecoder: [AddedToken] = []
  /// bos_token / eos_token (RoBERTa, XLM-R, MPNet); none by default.
  var bosToken: String?
  var eosToken: String?
  /// RobertaTokenizerFast's `add_prefix_space` and `trim_offsets`, which override tokenizer.json's ByteLevel
  /// pre-tokenizer and RobertaProcessing when given.
  var addPrefixSpace: Bool?
  var trimOffsets: Bool?

  /// All special tokens, in transformers' attribute order.
  var specialTokens: [String] {
    [bosToken, eosToken].compactMap { $0 } + [unkToken, sepToken, padToken, clsToken, maskToken] + additionalSpecialTokens
  }

  init(directory: String) throws(TokenizerError) {
    let configPath = directory + "/tokenizer_config.json"
    let config = FileManager.default.fileExists(atPath: configPath) ? try TokenizerFiles.readJSON(configPath) : .object([])
    func fail(_ detail: String) -> TokenizerError { TokenizerError(.malformed, file: configPath, detail) }

    if let value = config["do_lower_case"], value != .null {
      guard let flag = value.boolValue else { throw fail("do_lower_case is not a boolean") }
      doLowerCase = flag
    }
    if let value = config["strip_accents"], value != .null {
      guard let flag = value.boolValue else { throw fail("strip_accents is not a boolean or null") }
      stripAccents = flag
    }
    if let value = config["tokenize_chinese_chars"], value != .null {
      guard let flag = value.boolValue else { throw fail("tokenize_chinese_chars is not a boolean") }
      tokenizeChineseChars = flag
    }
    // transformers writes 1e30 (VERY_LARGE_INTEGER) for "no limit".
    if let value = config["model_max_length"], let length = value.intValue ?? value.doubleValue.map({ $0 >= 1e18 ? Int.max : $0 >= 1 ? Int($0) : 0 }),
       length > 0, length < 1 << 40 {
      modelMaxLength = length
    }
    if let side = config["truncation_side"]?.stringValue {
      guard let parsed = WordPieceTokenizer.Side(rawValue: side) else { throw fail("truncation_side \(side)") }
      truncationSide = parsed
    }
    if let side = config["padding_side"]?.stringValue {
      guard let parsed = WordPieceTokenizer.Side(rawValue: side) else { throw fail("padding_side \(side)") }
      paddingSide = parsed
    }
    addPrefixSpace = config["add_prefix_space"]?.boolValue
    tokenizerClass = config["tokenizer_class"]?.stringValue
    // The class's own default mask token, which the files below override (transformers' tokenizer __init__ defaults).
    if let name = tokenizerClass, Self.angleMaskClasses.contains(name.hasSuffix("Fast") ? String(name.dropLast(4)) : name) {
      maskToken = "<mask>"
    }
    trimOffsets = config["trim_offsets"]?.boolValue
    apply(specialTokensIn: config)
    for (key, value) in config["added_tokens_decoder"]?.objectValue ?? [] {
      guard let id = Int32(key), let content = value["content"]?.stringValue else { throw fail("added_tokens_decoder[\(key)]") }
      addedTokensDecoder.append(AddedToken(
        content: content, id: id, singleWord: value["single_word"]?.boolValue ?? false, lstrip: value["lstrip"]?.boolValue ?? false,
        rstrip: value["rstrip"]?.boolValue ?? false, normalized: value["normalized"]?.boolValue ?? false,
        special: value["special"]?.boolValue ?? false))
    }
    addedTokensDecoder.sort { $0.id < $1.id }
    // special_tokens_map.json overrides, unless tokenizer_config.json lists its added tokens (newer files).
    let mapPath = directory + "/special_tokens_map.json"
    if config["added_tokens_decoder"] == nil, FileManager.default.fileExists(atPath: mapPath) {
      apply(specialTokensIn: try TokenizerFiles.readJSON(mapPath))
    }
  }

  /// Tokenizer classes whose `mask_token` defaults to `<mask>` rather than BERT's `[MASK]`.
  static let angleMaskClasses: Set<String> = ["RobertaTokenizer", "XLMRobertaTokenizer", "MPNetTokenizer", "CamembertTokenizer",
                                              "BartTokenizer", "LongformerTokenizer", "DebertaTokenizer"]

  private mutating func apply(specialTokensIn json: JSONValue) {
    func token(_ key: String) -> String? {
      guard let value = json[key] else { return nil }
      return value.stringValue ?? value["content"]?.stringValue
    }
    bosToken = token("bos_token") ?? bosToken
    eosToken = token("eos_token") ?? eosToken
    unkToken = token("unk_token") ?? unkToken
    sepToken = token("sep_token") ?? sepToken
    padToken = token("pad_token") ?? padToken
    clsToken = token("cls_token") ?? clsToken
    maskToken = token("mask_token") ?? maskToken
    for item in json["additional_special_tokens"]?.arrayValue ?? [] {
      if let content = item.stringValue ?? item["content"]?.stringValue, !additionalSpecialTokens.contains(content) {
        additionalSpecialTokens.append(content)
      }
    }
  }
}
