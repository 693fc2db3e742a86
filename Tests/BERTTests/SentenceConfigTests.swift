import Foundation
import Models
import Support
import Testing
import TestSupport
@testable import BERT

/// Broken and hostile sentence-transformers files: each is refused with one error naming the file.
@Suite("Sentence pipeline configs")
struct SentenceConfigTests {
  /// A copy of a tiny sentence-transformers model (safetensors variant) to break.
  func copy(_ model: String = "st-cls-dense") throws -> TemporaryDirectory {
    let dir = TemporaryDirectory()
    let source = Fixtures.path("models/\(model)/safetensors")
    for name in try FileManager.default.contentsOfDirectory(atPath: source) {
      try FileManager.default.copyItem(atPath: source + "/" + name, toPath: dir.file(name))
    }
    return dir
  }

  func write(_ text: String, _ path: String) throws {
    try Data(text.utf8).write(to: URL(fileURLWithPath: path))
  }

  /// The error `SentenceEncoder.load` throws, as its one line.
  func failure(_ dir: TemporaryDirectory) -> String? {
    do {
      _ = try SentenceEncoder.load(dir.path)
      return nil
    } catch {
      return "\(error)"
    }
  }

  @Test("bad pooling configs: unknown mode, unknown key, a dimension that is not the hidden size, a non-boolean flag")
  func pooling() throws {
    let cases: [(String, String)] = [
      (#"{"embedding_dimension": 16, "pooling_mode": "median"}"#, "pooling_mode \"median\" is not one of"),
      (#"{"embedding_dimension": 16, "pooling_mode": "mean", "stride": 2}"#, "unknown key 'stride'"),
      (#"{"embedding_dimension": 17, "pooling_mode": "cls"}"#, "pools 17 dimensions, the token embeddings have 16"),
      (#"{"word_embedding_dimension": 16, "pooling_mode_cls_token": "yes"}"#, "pooling_mode_cls_token is \"yes\""),
      (#"{"pooling_mode": "cls"}"#, "lacks embedding_dimension"),
      (#"{"embedding_dimension": -1, "pooling_mode": "cls"}"#, "embedding_dimension is -1"),
      (#"{"embedding_dimension": 16, "pooling_mode": []}"#, "lists 0 modes"),
      ("[1, 2", "not JSON"),
    ]
    for (text, expected) in cases {
      let dir = try copy()
      try write(text, dir.file("1_Pooling/config.json"))
      let line = try #require(failure(dir), "accepted \(text)")
      #expect(line.contains(expected), "\(line)")
      #expect(line.contains("1_Pooling/config.json"), "\(line)")
      #expect(!line.contains("\n"))
    }
  }

  @Test("legacy flags: active modes in cls, max, mean order; none active means mean")
  func legacyOrder() throws {
    let json = try JSONValue.parse(#"{"word_embedding_dimension": 4, "pooling_mode_mean_tokens": true, "pooling_mode_cls_token": true, "pooling_mode_max_tokens": true}"#)
    #expect(try PoolingConfig(json: json, path: "p").modes == [.cls, .max, .mean])
    let none = try JSONValue.parse(#"{"word_embedding_dimension": 4, "pooling_mode_cls_token": false}"#)
    #expect(try PoolingConfig(json: none, path: "p").modes == [.mean])
    let both = try JSONValue.parse(#"{"embedding_dimension": 4, "pooling_mode": ["max", "cls"], "pooling_mode_mean_tokens": true}"#)
    #expect(try PoolingConfig(json: both, path: "p").modes == [.max, .cls])
  }

  @Test("bad modules.json: a path leaving the directory, an unknown module, Transformer not first, not an array")
  func modules() throws {
    let transformer = #"{"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"}"#
    let cases: [(String, String)] = [
      ("[\(transformer), {\"idx\": 1, \"name\": \"1\", \"path\": \"../1_Pooling\", \"type\": \"sentence_transformers.models.Pooling\"}]", "leaves the model directory"),
      ("[\(transformer), {\"idx\": 1, \"name\": \"1\", \"path\": \"/etc\", \"type\": \"sentence_transformers.models.Pooling\"}]", "leaves the model directory"),
      ("[\(transformer), {\"idx\": 1, \"name\": \"1\", \"path\": \"1_CNN\", \"type\": \"sentence_transformers.models.CNN\"}]", "module type 'sentence_transformers.models.CNN' is not supported"),
      (#"[{"idx": 0, "name": "0", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"}]"#, "not a Transformer"),
      (#"{"modules": []}"#, "not a JSON array"),
      ("[]", "lists 0 modules"),
      ("[\(transformer)]", "no Pooling module"),
    ]
    for (text, expected) in cases {
      let dir = try copy()
      try write(text, dir.file("modules.json"))
      let line = try #require(failure(dir), "accepted \(text)")
      #expect(line.contains(expected), "\(line)")
      #expect(line.contains("modules.json"), "\(line)")
    }
  }

  @Test("bad Dense modules: a shape that is not the config's, a missing bias, an unknown torch activation; a non-torch activation becomes Tanh")
  func dense() throws {
    let base = #"{"in_features": 16, "out_features": 8, "bias": true, "activation_function": "torch.nn.modules.activation.Tanh"}"#
    let cases: [(String, String)] = [
      (base.replacingOccurrences(of: "\"out_features\": 8", with: "\"out_features\": 9"), "the Dense config needs [9"),
      (base.replacingOccurrences(of: "\"in_features\": 16", with: "\"in_features\": 15"), "needs [8, 15]"),
      (base.replacingOccurrences(of: "Tanh", with: "Softsign"), "activation_function 'torch.nn.modules.activation.Softsign' is not supported"),
      (base.replacingOccurrences(of: "\"bias\": true", with: "\"bias\": false"), "unexpected tensor in a Dense module"),
      (#"{"in_features": 16}"#, "lacks out_features"),
      (#"{"in_features": 65536, "out_features": 65536}"#, "larger than the limit"),
    ]
    for (text, expected) in cases {
      let dir = try copy()
      try write(text, dir.file("2_Dense/config.json"))
      let line = try #require(failure(dir), "accepted \(text)")
      #expect(line.contains(expected), "\(line)")
    }
    let dir = try copy()
    try write(base.replacingOccurrences(of: "torch.nn.modules.activation.Tanh", with: "mypackage.Swish"), dir.file("2_Dense/config.json"))
    let encoder = try SentenceEncoder.load(dir.path)
    #expect(encoder.notes.count == 1 && encoder.notes[0].contains("Tanh is used"))
    // Same embeddings as the real Tanh model.
    let golden = try Golden(path: goldenPath("st-cls-dense"))
    #expect(try ParityReport.compare(model: encoder.model, modelPath: dir.path, golden: golden, sentence: encoder).passed)
    try FileManager.default.removeItem(atPath: dir.file("2_Dense/model.safetensors"))
    #expect(failure(dir)?.contains("neither model.safetensors nor pytorch_model.bin") == true)
  }

  @Test("sentence_bert_config.json: max_seq_length must be a positive integer, do_lower_case a boolean")
  func sentenceBertConfig() throws {
    for (text, expected) in [(#"{"max_seq_length": "long"}"#, "max_seq_length is \"long\""), (#"{"do_lower_case": 1}"#, "do_lower_case is 1")] {
      let dir = try copy()
      try write(text, dir.file("sentence_bert_config.json"))
      #expect(failure(dir)?.contains(expected) == true, "\(failure(dir) ?? "accepted")")
    }
    let dir = try copy()
    try write(#"{"max_seq_length": 5, "do_lower_case": true}"#, dir.file("sentence_bert_config.json"))
    let encoder = try SentenceEncoder.load(dir.path)
    let tokenizer = try encoder.tokenizer(directory: dir.path)
    let input = try encoder.input(for: ["The quick dog jumped over the lazy cats!"], tokenizer: tokenizer)
    #expect(input.sequence == 5)
  }

  @Test("a default prompt is prepended to every text; include_prompt false leaves its tokens out of the pooling")
  func defaultPrompt() throws {
    let dir = try copy("st-meansqrt")
    let texts = ["Hello Café", "the quick dog"]
    let plain = try SentenceEncoder.load(dir.path)
    let tokenizer = try plain.tokenizer(directory: dir.path)
    let prompted = try plain.embed(texts.map { "the cat: " + $0 }, tokenizer: tokenizer).values
    try editJSON(dir.file("config_sentence_transformers.json"), ["prompts": ["query": "the cat: "], "default_prompt_name": "query"])
    let withPrompt = try SentenceEncoder.load(dir.path)
    #expect(withPrompt.pipeline.defaultPrompt == "the cat: ")
    #expect(withPrompt.promptLength(tokenizer: tokenizer) == tokenizer.encode("the cat: ").ids.count - 1)
    #expect(try withPrompt.embed(texts, tokenizer: tokenizer).values == prompted)

    try editJSON(dir.file("1_Pooling/config.json"), ["include_prompt": false])
    let excluded = try SentenceEncoder.load(dir.path)
    let input = try excluded.input(for: texts, tokenizer: tokenizer)
    let n = try #require(excluded.promptLength(tokenizer: tokenizer))
    let out = try excluded.encode(input, promptLength: n)
    var mask = input.attentionMask
    for row in 0..<input.batch { for t in 0..<n { mask[row * input.sequence + t] = 0 } }
    let expected = Pooling.pool(TokenEmbeddings(batch: input.batch, sequence: input.sequence, width: 16, values: out.tokenEmbeddings, mask: mask),
                                modes: [.meanSqrtLen, .weightedmean, .lasttoken])
    #expect(out.sentenceEmbedding == expected)
    #expect(try excluded.embed(texts, tokenizer: tokenizer).values == expected)
    #expect(expected != prompted)

    try editJSON(dir.file("config_sentence_transformers.json"), ["default_prompt_name": "passage"])
    #expect(failure(dir)?.contains("default_prompt_name 'passage' is not one of the prompts") == true)
  }
}
