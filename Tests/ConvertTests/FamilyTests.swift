import Foundation
import Models
import SafeTensors
import Support
import Testing
import TestSupport
@testable import Checkpoint
@testable import Convert

/// BERT's relatives (golden/families.py): each family's table, config keys, heads, and the headline promise —
/// every serialisation of a model converts to the same canonical bytes, holding the manifest's canonical tensors.
@Suite("BERT family: RoBERTa, XLM-RoBERTa, DistilBERT, ELECTRA, MPNet")
struct FamilyTests {
  /// Family fixture model → (family, head the checkpoint carries).
  static let models: [String: (family: String, head: HeadKind?)] = [
    "roberta-seqcls": ("RoBERTa", .sequenceClassification), "roberta-mlm": ("RoBERTa", .maskedLM),
    "xlmr-base": ("XLM-RoBERTa", nil), "distilbert-seqcls": ("DistilBERT", .sequenceClassification),
    "distilbert-sinusoidal": ("DistilBERT", nil), "electra-discriminator": ("ELECTRA", .preTraining),
    "electra-seqcls": ("ELECTRA", .sequenceClassification), "mpnet-mlm": ("MPNet", .maskedLM), "mpnet-base": ("MPNet", nil),
  ]
  static let cases: [(String, String)] = models.keys.sorted().flatMap { model in f32Fixtures(of: model).map { (model, $0) } }

  @Test("the manifest holds every family model, with every serialisation of roberta-seqcls")
  func zoo() {
    #expect(Set(Fixtures.manifest.map(\.model)).isSuperset(of: Set(FamilyTests.models.keys)))
    #expect(Set(f32Fixtures(of: "roberta-seqcls").map { ($0 as NSString).lastPathComponent }) == ["safetensors", "bin-sharded", "bin-legacy", "h5"])
    #expect(f32Fixtures(of: "roberta-mlm").contains { $0.hasSuffix("/bin") })
    for model in ["roberta-seqcls", "distilbert-seqcls", "electra-discriminator", "mpnet-mlm"] {
      #expect(f32Fixtures(of: model).contains { $0.hasSuffix("/bin-legacy") }, "\(model) has no legacy .bin")
    }
    for model in ["roberta-seqcls", "distilbert-seqcls", "electra-discriminator", "mpnet-mlm"] {
      #expect(f32Fixtures(of: model).contains { $0.hasSuffix("/h5") }, "\(model) has no .h5")
    }
  }

  @Test("every serialisation gives the manifest's canonical tensors and the same file bytes", arguments: FamilyTests.cases)
  func matrix(model: String, fixture: String) throws {
    let dir = TemporaryDirectory()
    let reference = dir.file("reference.safetensors")
    try Conversion.run(source: Fixtures.path("models/\(model)/safetensors"), output: reference)
    let output = dir.file("out.safetensors")
    try Conversion.run(source: Fixtures.path(fixture), output: output)
    #expect(fileSHA(output) == fileSHA(reference), "\(fixture)")

    let expected = canonicalManifest(model)
    #expect(!expected.isEmpty)
    let file = try SafeTensorsFile(path: output)
    #expect(Set(file.tensors.map(\.name)) == Set(expected.keys), "\(fixture)")
    for view in file.tensors {
      #expect(view.withUnsafeBytes { SHA256.hex($0) } == expected[view.name]?.sha256, "\(fixture): \(view.name)")
    }
  }

  @Test("plan order is the family table's order; family and head are the expected ones", arguments: FamilyTests.models.keys.sorted())
  func table(model: String) throws {
    let (_, plan) = try Conversion.plan(source: Fixtures.path("models/\(model)/safetensors"))
    let expected = try #require(FamilyTests.models[model])
    #expect(plan.family.name == expected.family)
    #expect(plan.headKind == expected.head)
    let table = plan.family.modules(plan.config).flatMap(\.parameters).map(\.name)
    let positions = plan.tensors.map(\.name).compactMap { table.firstIndex(of: $0) }
    #expect(positions.count == plan.tensors.count && positions == positions.sorted())
    #expect(Set(plan.tensors.map(\.name)) == Set(canonicalManifest(model).keys))
  }

  @Test("canonical names are the HF PyTorch names of each family")
  func canonicalNames() throws {
    func names(_ model: String) throws -> Set<String> { Set(try Conversion.plan(source: Fixtures.path("models/\(model)/safetensors")).1.tensors.map(\.name)) }
    let distil = try names("distilbert-seqcls")
    #expect(distil.contains("distilbert.transformer.layer.0.attention.q_lin.weight"))
    #expect(distil.contains("distilbert.transformer.layer.0.ffn.lin2.bias") && distil.contains("pre_classifier.weight"))
    #expect(!distil.contains { $0.contains("token_type") || $0.contains("pooler") })
    let electra = try names("electra-discriminator")
    #expect(electra.contains("electra.embeddings_project.weight") && electra.contains("discriminator_predictions.dense_prediction.weight"))
    #expect(!(try names("electra-seqcls")).contains("electra.embeddings_project.weight"))
    let mpnet = try names("mpnet-mlm")
    #expect(mpnet.contains("mpnet.encoder.relative_attention_bias.weight") && mpnet.contains("mpnet.encoder.layer.0.attention.attn.q.weight"))
    #expect(mpnet.contains("lm_head.bias") && !mpnet.contains("lm_head.decoder.weight") && !mpnet.contains("lm_head.decoder.bias"))
    // A bare model's names gain the prefix its head classes use.
    #expect(try names("xlmr-base").contains("roberta.pooler.dense.weight"))
    #expect(try names("mpnet-base").contains("mpnet.embeddings.word_embeddings.weight"))
  }

  @Test("the pooler TF MPNet heads save is dropped, with its reason; the tied lm_head copies are dropped")
  func droppedTensors() throws {
    let (_, h5) = try Conversion.plan(source: Fixtures.path("models/mpnet-mlm/h5"))
    let pooler = h5.dropped.filter { $0.source.hasPrefix("mpnet.pooler.") }
    #expect(pooler.count == 2 && pooler.allSatisfy { $0.reason.contains("TF MPNet") })
    #expect(!h5.tensors.contains { $0.name.contains("pooler") })
    let (_, bin) = try Conversion.plan(source: Fixtures.path("models/roberta-mlm/bin"))
    #expect(Set(bin.dropped.map(\.source)).isSuperset(of: ["lm_head.decoder.weight", "lm_head.decoder.bias"]))
  }

  @Test("each family's config keys: DistilBERT dim/n_layers/n_heads/hidden_dim/activation, ELECTRA embedding_size, RoBERTa pad_token_id")
  func configs() throws {
    func config(_ text: String) throws -> ModelConfig { try ModelConfig(json: try JSONValue.parse(text), path: "config.json") }
    let distil = try config(#"{"model_type": "distilbert", "vocab_size": 50, "dim": 24, "n_layers": 3, "n_heads": 4, "hidden_dim": 40, "activation": "relu", "hidden_size": 999, "layer_norm_eps": 0.1}"#)
    #expect(distil.family.name == "DistilBERT")
    #expect((distil.hiddenSize, distil.numHiddenLayers, distil.numAttentionHeads, distil.intermediateSize) == (24, 3, 4, 40))
    #expect(distil.hiddenAct == "relu" && distil.layerNormEps == 1e-12 && distil.typeVocabSize == 0 && distil.positionPaddingIndex == nil)
    let electra = try config(#"{"model_type": "electra", "vocab_size": 50, "hidden_size": 16, "embedding_size": 8, "num_attention_heads": 2}"#)
    #expect(electra.embeddingSize == 8 && electra.embeddingWidth == 8 && electra.typeVocabSize == 2)
    #expect(try config(#"{"model_type": "electra", "vocab_size": 50, "hidden_size": 16, "embedding_size": 16, "num_attention_heads": 2}"#).embeddingSize == nil)
    let roberta = try config(#"{"model_type": "roberta", "vocab_size": 50, "pad_token_id": 3, "type_vocab_size": 1}"#)
    #expect(roberta.positionPaddingIndex == 3 && roberta.typeVocabSize == 1)
    #expect(try config(#"{"model_type": "xlm-roberta", "vocab_size": 50}"#).family.name == "XLM-RoBERTa")
    let mpnet = try config(#"{"model_type": "mpnet", "vocab_size": 50, "pad_token_id": 0}"#)
    #expect(mpnet.positionPaddingIndex == 1 && mpnet.typeVocabSize == 0 && mpnet.relativeAttentionBuckets == 32)
    #expect(throws: ModelError.self) { try config(#"{"model_type": "distilbert", "vocab_size": 50, "sinusoidal_pos_embds": "yes"}"#) }
    #expect(throws: ModelError.self) { try config(#"{"model_type": "roberta", "vocab_size": 50, "pad_token_id": -1}"#) }
  }

  @Test("refusals name what is unsupported: the model types supported, another family's tensors")
  func refusals() throws {
    #expect {
      _ = try ModelConfig(json: try JSONValue.parse(#"{"model_type": "albert", "vocab_size": 10}"#), path: "config.json")
    } throws: { error in
      let text = (error as? ModelError)?.description ?? ""
      return ["'albert'", "'bert'", "'roberta'", "'xlm-roberta'", "'distilbert'", "'electra'", "'mpnet'"].allSatisfy(text.contains)
    }
    // DistilBERT weights under a RoBERTa config of the same sizes: not RoBERTa parameters.
    let dir = TemporaryDirectory()
    let model = try copyFixture("models/distilbert-seqcls/safetensors", into: dir)
    try FileManager.default.removeItem(atPath: model + "/config.json")
    try FileManager.default.copyItem(atPath: Fixtures.path("models/roberta-seqcls/safetensors/config.json"), toPath: model + "/config.json")
    let error = convertError(model, dir.file("out.safetensors"))
    // (its `classifier` is a name RoBERTa's token classifier also has, so the rest are listed as unknown)
    #expect(error?.code == .unknownTensor)
    #expect(error?.description.contains("not RoBERTa parameters") == true)
    #expect(error?.description.contains("distilbert.transformer.layer.0.attention.q_lin.weight") == true)
    #expect(FileManagerShim.list(dir.path) == ["model"])
  }
}

/// The directory output of each family loads in transformers with no missing or unexpected keys and reproduces the
/// golden's last hidden state and logits. Needs torch + transformers (`BERTWEIGHTS_TORCH_PYTHON`), like OutputTests;
/// one Python process checks them all (importing torch costs seconds).
@Suite("BERT family: transformers loads the output directory")
struct FamilyOutputTests {
  static let fixtures = ["roberta-seqcls/h5", "roberta-mlm/bin", "xlmr-base/safetensors", "distilbert-seqcls/bin-legacy", "distilbert-sinusoidal/safetensors",
                         "electra-discriminator/h5", "electra-seqcls/safetensors", "mpnet-mlm/h5", "mpnet-base/safetensors"]

  @Test("transformers loads each family's converted directory and reproduces the golden")
  func transformersLoads() throws {
    guard let python = ProcessInfo.processInfo.environment["BERTWEIGHTS_TORCH_PYTHON"],
          (try? run(python, ["-c", "import torch, transformers"]))?.status == 0 else {
      print("note: transformers load check of the family outputs NOT RUN (set BERTWEIGHTS_TORCH_PYTHON to a Python with torch and transformers)")
      return
    }
    let dir = TemporaryDirectory()
    var arguments: [String] = []
    for fixture in FamilyOutputTests.fixtures {
      let out = dir.file(fixture.replacingOccurrences(of: "/", with: "-"))
      try Conversion.run(source: Fixtures.path("models/\(fixture)"), output: out)
      arguments += [out, Fixtures.path("models/\(fixture.prefix { $0 != "/" })/golden.safetensors")]
    }
    let script = """
      import json, sys, torch, transformers
      from safetensors.torch import load_file
      args = sys.argv[1:]
      for out, golden in zip(args[::2], args[1::2]):
          cls = getattr(transformers, json.load(open(out + "/config.json"))["architectures"][0])
          model, info = cls.from_pretrained(out, output_loading_info=True, attn_implementation="eager")
          assert not info["missing_keys"] and not info["unexpected_keys"], (out, info)
          g = load_file(golden)
          inputs = {k: g[k] for k in ("input_ids", "attention_mask", "token_type_ids") if k in g}
          with torch.no_grad():
              o = model.eval()(**inputs, output_hidden_states=True)
          mask = g["attention_mask"].bool()
          diff = (o.hidden_states[-1] - g["last_hidden_state"]).abs()[mask].max().item()
          if "logits" in g:
              d = (o.logits - g["logits"]).abs()
              diff = max(diff, (d[mask] if d.dim() > 1 and d.shape[1] == mask.shape[1] else d).max().item())
          assert diff <= 1e-5, (out, diff)
          print("ok", out, diff)
      """
    let result = try run(python, ["-c", script] + arguments, environment: ["HF_HUB_OFFLINE": "1", "TF_CPP_MIN_LOG_LEVEL": "3"])
    #expect(result.status == 0, "\(result.stderr.suffix(2000))")
    #expect(result.stdout.split(separator: "\n").filter { $0.hasPrefix("ok ") }.count == FamilyOutputTests.fixtures.count)
  }
}
