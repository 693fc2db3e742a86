import Foundation
import Testing
import TestSupport
@testable import BERT

/// The mask token fill-mask looks for is the tokenizer's (`tokenizer.mask_token` in transformers), not a literal
/// `[MASK]`: tokenizer_config.json / special_tokens_map.json `mask_token`, else the tokenizer class's default.
@Suite("The tokenizer's mask token")
struct MaskTokenTests {
  @Test("BERT's [MASK], RoBERTa's and MPNet's <mask> with their ids")
  func resolved() throws {
    let bert = try WordPieceTokenizer(directory: Fixtures.path("models/mlm/safetensors"))
    #expect(bert.maskToken == "[MASK]" && bert.maskTokenID == bert.id(of: "[MASK]") && bert.maskTokenID != nil)
    let roberta = try WordPieceTokenizer(directory: Fixtures.path("tokenizer/roberta"))
    #expect(roberta.maskToken == "<mask>" && roberta.maskTokenID == 4)
    let mpnet = try WordPieceTokenizer(directory: Fixtures.path("tokenizer/mpnet"))
    #expect(mpnet.maskToken == "<mask>" && mpnet.maskTokenID == 5)
  }

  /// A copy of tokenizer/roberta with tokenizer_config.json edited by `edit`.
  func roberta(_ dir: TemporaryDirectory, _ edit: (inout [String: Any]) -> Void) throws -> WordPieceTokenizer {
    let target = dir.file("tok")
    try FileManager.default.copyItem(atPath: Fixtures.path("tokenizer/roberta"), toPath: target)
    let path = target + "/tokenizer_config.json"
    var config = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any])
    edit(&config)
    try JSONSerialization.data(withJSONObject: config).write(to: URL(fileURLWithPath: path))
    return try WordPieceTokenizer(directory: target)
  }

  @Test("without mask_token the class's default: <mask> for RobertaTokenizer(Fast), [MASK] for an unknown class; mask_token wins")
  func classDefault() throws {
    let noKey = try roberta(TemporaryDirectory()) { $0["mask_token"] = nil }
    #expect(noKey.maskToken == "<mask>" && noKey.maskTokenID == 4)
    let fast = try roberta(TemporaryDirectory()) { $0["mask_token"] = nil; $0["tokenizer_class"] = "RobertaTokenizerFast" }
    #expect(fast.maskToken == "<mask>")
    let bertClass = try roberta(TemporaryDirectory()) { $0["mask_token"] = nil; $0["tokenizer_class"] = "BertTokenizer" }
    // transformers adds a special token the vocabulary lacks, so [MASK] gets a new id, not <mask>'s
    #expect(bertClass.maskToken == "[MASK]" && bertClass.maskTokenID != nil && bertClass.maskTokenID != 4)
    let explicit = try roberta(TemporaryDirectory()) { $0["mask_token"] = "<s>" }
    #expect(explicit.maskToken == "<s>" && explicit.maskTokenID == 0)
  }

  @Test("bert-verify fill-mask on a model whose mask is <mask>: a literal [MASK] is not a mask (exit 2 naming <mask>)")
  func literalBracketMaskIsNotAMask() throws {
    let result = try run(Binaries.path("bert-verify"), [Fixtures.path("models/roberta-fill-mask/safetensors"), "--text", "The capital is [MASK].", "--json"])
    #expect(result.status == 2, "\(result.stdout)\(result.stderr)")
    #expect(result.stderr.contains("mask"), "\(result.stderr)")
  }
}

@Suite("ByteLevel decoding")
struct ByteLevelDecodeTests {
  @Test("RoBERTa's ByteLevel decoder: ids of a text decode back to it; a lone continuation byte is U+FFFD")
  func roundTrip() throws {
    let dir = Fixtures.path("tokenizer/roberta")
    let tokenizer = try WordPieceTokenizer(directory: dir)
    let decoder = try TokenDecoder(tokenizer: tokenizer, directory: dir)
    let text = "Hello Café, the quick dog! 한"
    #expect(decoder.decode(tokenizer.encode(text).ids, skipSpecialTokens: true) == text)
    #expect(decoder.decode(tokenizer.encode(text).ids).hasPrefix("<s>Hello"))
    // (values from tokenizers' ByteLevel decoder) Ã stands for the lead byte 0xC3 alone, Ā for 0x00; 한 is no
    // byte's character, so its token keeps its own UTF-8
    #expect(TokenDecoder.byteLevelDecode(["aÃ"]) == "a\u{FFFD}")
    #expect(TokenDecoder.byteLevelDecode(["a", "\u{0100}"]) == "a\u{0}")
    #expect(TokenDecoder.byteLevelDecode(["한", "Ġx"]) == "한 x")
  }
}
