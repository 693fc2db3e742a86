import BERT
import Foundation
import Testing
import TestSupport

/// The tokenizers of BERT's relatives (golden/tokenizer/KIND/, made by make_families.py with vocabularies
/// trained there): every chosen corpus record, single texts and pairs, gives HF's ids and offsets.
@Suite("Tokenizer families parity with HF")
struct TokenizerFamilyTests {
  @Test("MPNet's WordPiece: <s> </s> specials, its pair template, <mask> with lstrip")
  func mpnet() throws {
    let tokenizer = try Tokenizer(directory: TokenizerGolden.directory + "/mpnet")
    TokenizerGolden.checkFamily(tokenizer, "mpnet")
  }

  @Test("RoBERTa's byte-level BPE: ByteLevel, merges, RobertaProcessing with trim_offsets")
  func roberta() throws {
    let tokenizer = try Tokenizer(directory: TokenizerGolden.directory + "/roberta")
    TokenizerGolden.checkFamily(tokenizer, "roberta")
  }

  @Test("XLM-R's Unigram: Precompiled charsmap, Strip, Replace, Metaspace, Viterbi")
  func xlmr() throws {
    let tokenizer = try Tokenizer(directory: TokenizerGolden.directory + "/xlmr")
    TokenizerGolden.checkFamily(tokenizer, "xlmr")
  }
}

/// Other calls on the same tokenizers (golden/tokenizer/variants.json.zlib): no special tokens, padded batches,
/// RoBERTa with `add_prefix_space`.
@Suite("Tokenizer families: other calls")
struct TokenizerFamilyVariantTests {
  @Test("add_special_tokens=False", arguments: ["mpnet", "roberta", "xlmr"])
  func noSpecialTokens(_ kind: String) throws {
    let tokenizer = try Tokenizer(directory: TokenizerGolden.directory + "/" + kind)
    let rows = TokenizerGolden.packedRows(TokenizerGolden.variants[kind]!["no_specials"] as! [Any])
    TokenizerGolden.checkRows(tokenizer, rows, kind + " without special tokens", addSpecialTokens: false)
  }

  @Test("special tokens written in the text (<mask> with lstrip, <s>, </s>, <pad>, <unk>), alone and paired",
        arguments: ["mpnet", "roberta", "xlmr"])
  func specialTokensInText(_ kind: String) throws {
    let tokenizer = try Tokenizer(directory: TokenizerGolden.directory + "/" + kind)
    let rows = TokenizerGolden.variants[kind]!["specials"] as! [[Any]]
    #expect(rows.count >= 40)
    var failures: [String] = []
    for row in rows {
      let text = row[0] as! String, pair = row[1] as? String
      let values = TokenizerGolden.unpack(row[2] as! String)
      let ids = stride(from: 0, to: values.count, by: 3).map { values[$0] }
      let spans = TokenizerGolden.decodeOffsets(stride(from: 0, to: values.count, by: 3).flatMap { [values[$0 + 1], values[$0 + 2]] })
      let got = tokenizer.encode(text, pair: pair)
      if got.ids != ids || got.offsets != spans {
        failures.append("\(String(reflecting: text)) + \(String(describing: pair)):\n    HF:   \(ids) \(spans)\n    ours: \(got.ids) \(got.offsets) \(got.tokens)")
      }
    }
    #expect(failures.isEmpty, Comment(rawValue: "\(kind): \(failures.count) differ\n" + failures.prefix(4).joined(separator: "\n")))
  }

  @Test("padding=True batch of pairs: ids and attention mask", arguments: ["mpnet", "roberta", "xlmr"])
  func batch(_ kind: String) throws {
    let tokenizer = try Tokenizer(directory: TokenizerGolden.directory + "/" + kind)
    let expected = TokenizerGolden.variants[kind]!["batch"] as! [String: Any]
    let got = tokenizer.encodeBatch(expected["texts"] as! [String], pairs: expected["pairs"] as! [String])
    #expect(got.inputIds == expected["input_ids"] as! [[Int]])
    #expect(got.attentionMask == expected["attention_mask"] as! [[Int]])
    #expect(got.offsets.allSatisfy { $0.count == got.sequenceLength })
  }

  @Test("RoBERTa with tokenizer_config.json add_prefix_space true")
  func robertaPrefixSpace() throws {
    let dir = TemporaryDirectory()
    let source = TokenizerGolden.directory + "/roberta/"
    for name in ["tokenizer.json", "special_tokens_map.json"] {
      try FileManager.default.copyItem(atPath: source + name, toPath: dir.file(name))
    }
    var config = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: source + "tokenizer_config.json"))) as! [String: Any]
    config["add_prefix_space"] = true
    try JSONSerialization.data(withJSONObject: config).write(to: URL(fileURLWithPath: dir.file("tokenizer_config.json")))
    let rows = TokenizerGolden.packedRows(TokenizerGolden.variants["roberta"]!["prefix_space"] as! [Any])
    TokenizerGolden.checkRows(try Tokenizer(directory: dir.path), rows, "roberta add_prefix_space")
  }

  @Test("encodings carry tokens, special-token mask and sequence ids (RoBERTa pair: <s> A </s></s> B </s>)")
  func robertaEncodingFields() throws {
    let tokenizer = try Tokenizer(directory: TokenizerGolden.directory + "/roberta")
    let e = tokenizer.encode("a b", pair: "c")
    #expect(e.tokens.first == "<s>" && e.tokens.last == "</s>")
    #expect(e.specialTokensMask == [1, 0, 0, 1, 1, 0, 1])
    #expect(e.sequenceIds == [nil, 0, 0, nil, nil, 1, nil])
    #expect(e.typeIds == [Int](repeating: 0, count: 7))
    #expect(e.offsets == [.none, .init(start: 0, end: 1), .init(start: 2, end: 3), .none, .none, .init(start: 0, end: 1), .none])
    #expect(tokenizer.id(of: "<mask>") != nil && tokenizer.token(of: tokenizer.id(of: "<mask>")!) == "<mask>")
    // As HF's Encoding.tokens(): an lstrip token's text is the slice it matched, its span without the space.
    let masked = tokenizer.encode("the <mask>.")
    #expect(masked.tokens.contains(" <mask>"))
    #expect(masked.offsets[masked.tokens.firstIndex(of: " <mask>")!] == TokenSpan(start: 4, end: 10))
  }
}

/// The XLM-R tokenizer with its normalizer swapped for each other normalizer tokenizer.json files use (NFKC,
/// NFD, NFC, NFKD, Lowercase, Strip, Prepend, Replace of a string), against `tokenizers`' ids and offsets
/// (golden/tokenizer/variants.json.zlib `xlmr.normalizers`) on the 1,411 chosen records that are not ASCII. NFD (tokenizers' own tables)
/// is exact; NFC, NFKC and NFKD use Foundation's newer Unicode tables and align composed or reordered mark runs
/// approximately, so a few of the corpus' mark-run and new-script records differ: at most the bound given. Also
/// older hub files' forms: WhitespaceSplit + Metaspace with the legacy `add_prefix_space`, and Metaspace with
/// `prepend_scheme` first and no split.
@Suite("Tokenizer normalizers' alignments")
struct TokenizerNormalizerTests {
  static let labels: [(String, Int)] = [("nfd-strip", 0), ("nfkc-lowercase", 25), ("nfc-prepend-replace", 25), ("nfkd", 45),
                                        ("legacy-metaspace", 0), ("metaspace-first-nosplit", 0), ("unigram-byte-fallback", 0)]

  @Test("ids and offsets equal HF's (NFD and the older Metaspace forms exactly, the composing forms nearly)", arguments: labels)
  func normalizer(_ label: String, _ allowed: Int) throws {
    let variants = (TokenizerGolden.variants["xlmr"]!["normalizers"] as! [String: Any])[label] as! [String: Any]
    let dir = TemporaryDirectory()
    let source = TokenizerGolden.directory + "/xlmr/"
    for name in ["tokenizer_config.json", "special_tokens_map.json"] {
      try FileManager.default.copyItem(atPath: source + name, toPath: dir.file(name))
    }
    var definition = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: source + "tokenizer.json"))) as! [String: Any]
    for (key, value) in variants["changes"] as! [String: Any] { definition[key] = value }
    try JSONSerialization.data(withJSONObject: definition).write(to: URL(fileURLWithPath: dir.file("tokenizer.json")))
    let rows = TokenizerGolden.packedRows(variants["rows"] as! [Any])
    #expect(rows.count >= 1400)
    TokenizerGolden.checkRows(try Tokenizer(directory: dir.path), rows, "xlmr with " + label, allowed: allowed)
  }
}
