import Foundation
import Support

/// Ids back to text as transformers' fast BERT tokenizer decodes them (`tokenizer.decode(ids, skip_special_tokens=…)`):
/// each id's token (special tokens left out when asked), joined by the WordPiece decoder — a space before every
/// token but the first, none before a `##` piece, whose prefix is dropped, and its per-token cleanup (` .` → `.`,
/// ` ,`, ` !`, ` ?`, ` 's`, ` n't`, ` do not` → ` don't`, …) — then, when `clean_up_tokenization_spaces` says so,
/// transformers' `clean_up_tokenization` over the whole string. A tokenizer.json whose `decoder` is `ByteLevel`
/// (RoBERTa's BPE) is decoded as tokenizers' ByteLevel decoder does instead: the tokens joined, each character
/// mapped back to the byte it stands for (a token with a character outside the map keeps its own UTF-8 bytes),
/// the bytes read as UTF-8 with U+FFFD for each invalid sequence (`String::from_utf8_lossy`).
public struct TokenDecoder: Sendable {
  private let tokenizer: WordPieceTokenizer
  /// Ids of the added tokens marked special (`[CLS]`, `[SEP]`, `[PAD]`, `[UNK]`, `[MASK]`).
  public let specialIDs: Set<Int>
  /// tokenizer_config.json's `clean_up_tokenization_spaces`; when absent, true for a directory without
  /// tokenizer.json (transformers converts the slow `BertTokenizer`, whose default is true), else false.
  public let cleanUpTokenizationSpaces: Bool
  let prefix: String
  /// tokenizer.json's `decoder` is `ByteLevel`.
  let byteLevel: Bool

  /// The decoder of the tokenizer in `directory` (the one `tokenizer` was loaded from).
  /// - Throws: ``TokenizerError`` for unreadable tokenizer files.
  public init(tokenizer: WordPieceTokenizer, directory: String) throws(TokenizerError) {
    self.tokenizer = tokenizer
    let definition = try TokenizerDefinition.load(directory: directory)
    specialIDs = Set(definition.addedTokens.filter(\.special).map { Int($0.id) })
    prefix = definition.continuingSubwordPrefix
    let configPath = directory + "/tokenizer_config.json"
    let config = FileManager.default.fileExists(atPath: configPath) ? try TokenizerFiles.readJSON(configPath) : .object([])
    let tokenizerJSON = directory + "/tokenizer.json"
    cleanUpTokenizationSpaces = config["clean_up_tokenization_spaces"]?.boolValue
      ?? !FileManager.default.fileExists(atPath: tokenizerJSON)
    if FileManager.default.fileExists(atPath: tokenizerJSON) {
      byteLevel = try TokenizerFiles.readJSON(tokenizerJSON)["decoder"]?["type"]?.stringValue == "ByteLevel"
    } else {
      byteLevel = false
    }
  }

  /// The character → byte map the ByteLevel pre-tokenizer encodes with, reversed.
  static let characterByte: [UInt32: UInt8] = {
    var map: [UInt32: UInt8] = [:]
    for (b, c) in ByteLevel.byteCharacter.enumerated() { map[c] = UInt8(b) }
    return map
  }()

  /// tokenizers' ByteLevel decoder over `tokens`.
  static func byteLevelDecode(_ tokens: [String]) -> String {
    var bytes: [UInt8] = []
    for token in tokens {
      var mapped: [UInt8] = []
      mapped.reserveCapacity(token.unicodeScalars.count)
      var complete = true
      for scalar in token.unicodeScalars {
        guard let b = characterByte[scalar.value] else { complete = false; break }
        mapped.append(b)
      }
      bytes += complete ? mapped : Array(token.utf8)
    }
    return String(decoding: bytes, as: UTF8.self)
  }

  /// The text of `ids`.
  public func decode(_ ids: [Int], skipSpecialTokens: Bool = false) -> String {
    if byteLevel {
      let tokens = ids.filter { !(skipSpecialTokens && specialIDs.contains($0)) }.compactMap { tokenizer.token(of: $0) }
      let text = TokenDecoder.byteLevelDecode(tokens)
      return cleanUpTokenizationSpaces ? TokenDecoder.cleanUpTokenization(text) : text
    }
    var text = ""
    var first = true
    for id in ids {
      if skipSpecialTokens && specialIDs.contains(id) { continue }
      guard var token = tokenizer.token(of: id) else { continue }
      if !first {
        if token.hasPrefix(prefix) { token = String(token.dropFirst(prefix.count)) } else { token = " " + token }
      }
      first = false
      text += TokenDecoder.wordPieceCleanup(token)
    }
    return cleanUpTokenizationSpaces ? TokenDecoder.cleanUpTokenization(text) : text
  }

  /// tokenizers' WordPiece decoder `cleanup`, applied to each token (with its leading space).
  static func wordPieceCleanup(_ token: String) -> String {
    token.replacingOccurrences(of: " .", with: ".").replacingOccurrences(of: " ?", with: "?")
      .replacingOccurrences(of: " !", with: "!").replacingOccurrences(of: " ,", with: ",")
      .replacingOccurrences(of: " ' ", with: "'").replacingOccurrences(of: " n't", with: "n't")
      .replacingOccurrences(of: " 'm", with: "'m").replacingOccurrences(of: " do not", with: " don't")
      .replacingOccurrences(of: " 's", with: "'s").replacingOccurrences(of: " 've", with: "'ve")
      .replacingOccurrences(of: " 're", with: "'re")
  }

  /// transformers' `clean_up_tokenization`.
  static func cleanUpTokenization(_ text: String) -> String {
    text.replacingOccurrences(of: " .", with: ".").replacingOccurrences(of: " ?", with: "?")
      .replacingOccurrences(of: " !", with: "!").replacingOccurrences(of: " ,", with: ",")
      .replacingOccurrences(of: " ' ", with: "'").replacingOccurrences(of: " n't", with: "n't")
      .replacingOccurrences(of: " 'm", with: "'m").replacingOccurrences(of: " 's", with: "'s")
      .replacingOccurrences(of: " 've", with: "'ve").replacingOccurrences(of: " 're", with: "'re")
  }
}
