import Foundation
import Testing
import TestSupport
@testable import Convert
@testable import SafeTensors

@Suite("Output directories")
struct OutputTests {
  let dir = TemporaryDirectory()

  @Test("--shard-size writes shards and an index that convert back to the same canonical file")
  func sharded() throws {
    let out = dir.file("sharded")
    try Conversion.run(source: Fixtures.path("models/seqcls/safetensors"), output: out, shardSize: 30_000)
    #expect(FileManagerShim.list(out).filter { $0.hasPrefix("model-") }.count == 3)
    let index = try ShardIndex(path: out + "/model.safetensors.index.json")
    #expect(index.shards == ["model-00001-of-00003.safetensors", "model-00002-of-00003.safetensors", "model-00003-of-00003.safetensors"])
    for shard in index.shards {
      #expect(try SafeTensorsFile(path: index.path(ofShard: shard)).file.count <= 30_000 + 4096)
    }
    try Conversion.run(source: out, output: dir.file("whole.safetensors"))
    try Conversion.run(source: Fixtures.path("models/seqcls/safetensors"), output: dir.file("direct.safetensors"))
    #expect(fileSHA(dir.file("whole.safetensors")) == fileSHA(dir.file("direct.safetensors")))
  }

  @Test("sizes parse as transformers' max_shard_size does")
  func sizes() {
    #expect(Conversion.parseSize("5GB") == 5_000_000_000)
    #expect(Conversion.parseSize("1GiB") == 1_073_741_824)
    #expect(Conversion.parseSize("500mb") == 500_000_000)
    #expect(Conversion.parseSize("1234") == 1234)
    #expect(Conversion.parseSize("lots") == nil)
    #expect(Conversion.parseSize("-5MB") == nil)
  }

  /// The directory output loads in transformers with no missing or unexpected keys and reproduces the golden logits.
  /// Needs torch + transformers, so it runs where `BERTWEIGHTS_TORCH_PYTHON` names such a Python (make goldens' venv).
  @Test("transformers loads the output directory and reproduces the golden logits", arguments: ["bin", "h5"])
  func transformersLoads(variant: String) throws {
    guard let python = ProcessInfo.processInfo.environment["BERTWEIGHTS_TORCH_PYTHON"],
          (try? run(python, ["-c", "import torch, transformers"]))?.status == 0 else {
      print("note: transformers load check NOT RUN (set BERTWEIGHTS_TORCH_PYTHON to a Python with torch and transformers)")
      return
    }
    let out = dir.file("seqcls-\(variant)")
    try Conversion.run(source: Fixtures.path("models/seqcls/\(variant)"), output: out)
    let script = """
      import sys, torch
      from safetensors.torch import load_file
      from transformers import AutoModelForSequenceClassification
      model, info = AutoModelForSequenceClassification.from_pretrained(sys.argv[1], output_loading_info=True, attn_implementation="eager")
      assert not info["missing_keys"] and not info["unexpected_keys"], info
      g = load_file(sys.argv[2])
      with torch.no_grad():
          out = model.eval()(input_ids=g["input_ids"], attention_mask=g["attention_mask"], token_type_ids=g["token_type_ids"])
      diff = (out.logits - g["logits"]).abs().max().item()
      assert diff <= 1e-5, diff
      print("ok", diff)
      """
    let result = try run(python, ["-c", script, out, Fixtures.path("models/seqcls/golden.safetensors")],
                         environment: ["HF_HUB_OFFLINE": "1", "TF_CPP_MIN_LOG_LEVEL": "3"])
    #expect(result.status == 0, "\(result.stderr.suffix(2000))")
    #expect(result.stdout.hasPrefix("ok"))
  }
}
