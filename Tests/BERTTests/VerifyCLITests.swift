import Foundation
import Testing
import TestSupport

/// bert-verify as users meet it: the built binary, its exit codes, table, verdict and JSON.
@Suite("bert-verify CLI")
struct VerifyCLITests {
  let tool = Binaries.path("bert-verify")
  let seqcls = Fixtures.path("models/seqcls/safetensors")
  let base = Fixtures.path("models/base/safetensors")

  /// The table row of `output` in `stdout`, split into columns.
  func row(_ output: String, in stdout: String) -> [String]? {
    stdout.split(separator: "\n").map { $0.split(separator: " ", omittingEmptySubsequences: true).map(String.init) }
      .first { $0.first == output }
  }

  @Test("--help names the commands; a missing --golden or a bad flag is exit 2")
  func usage() throws {
    let help = try run(tool, ["--help"])
    #expect(help.status == 0)
    #expect(help.stdout.contains("bench"))
    #expect(try run(tool, [seqcls]).status == 2)
    #expect(try run(tool, [seqcls, "--golden", goldenPath("seqcls"), "--atol", "-1"]).status == 2)
    #expect(try run(tool, [seqcls, "--golden", goldenPath("seqcls"), "--no-such-flag"]).status == 2)
  }

  @Test("the bundled classifier passes: exit 0, one row per output, PASS")
  func passes() throws {
    let result = try run(tool, [seqcls, "--golden", goldenPath("seqcls")])
    #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
    for name in ["hidden_states.0", "hidden_states.1", "hidden_states.2", "last_hidden_state", "pooler_output", "logits"] {
      let columns = try #require(row(name, in: result.stdout), "no row for \(name)")
      #expect(columns.last == "ok")
    }
    #expect(result.stdout.contains("PASS"))
    #expect(result.stdout.contains("atol 1e-05, rtol 0.0001 (golden)"))
  }

  @Test("one logit moved by 1e-2: exit 1, the verdict names logits")
  func movedLogit() throws {
    let dir = TemporaryDirectory()
    let golden = try editedGolden("seqcls", in: dir) { $0.modify("logits") { $0[4] += 1e-2 } }
    let result = try run(tool, [seqcls, "--golden", golden])
    #expect(result.status == 1, "\(result.stdout)\(result.stderr)")
    #expect(result.stdout.contains("first divergent: logits"))
    #expect(row("logits", in: result.stdout)?.last == "FAIL")
    #expect(row("pooler_output", in: result.stdout)?.last == "ok")
    // The same golden with a looser command-line atol passes, and says where the tolerance came from.
    let loose = try run(tool, [seqcls, "--golden", golden, "--atol", "0.02"])
    #expect(loose.status == 0)
    #expect(loose.stdout.contains("(command line)"))
  }

  @Test("hidden_states.2 moved (and logits): the first divergent layer is 2")
  func movedLayer() throws {
    let dir = TemporaryDirectory()
    let golden = try editedGolden("seqcls", in: dir) { tensors in
      tensors.modify("hidden_states.2") { $0[40] += 1e-2 }  // row 0, position 1: a real token
      tensors.modify("logits") { $0[0] += 1e-2 }
    }
    let result = try run(tool, [seqcls, "--golden", golden])
    #expect(result.status == 1)
    #expect(result.stdout.contains("first divergent: layer 2 (hidden_states.2"), "\(result.stdout)")
    #expect(row("hidden_states.1", in: result.stdout)?.last == "ok")
  }

  @Test("a change at a padded position is not compared")
  func paddingIgnored() throws {
    let dir = TemporaryDirectory()
    // Row 2 of the golden batch ends in padding; its last position is masked out.
    let golden = try editedGolden("seqcls", in: dir) { $0.modify("last_hidden_state") { $0[(2 * 13 + 12) * 32] += 1 } }
    let result = try run(tool, [seqcls, "--golden", golden])
    #expect(result.status == 0, "\(result.stdout)")
  }

  @Test("a golden tensor of the wrong shape, or a missing input, is exit 2 naming the tensor")
  func wrongShape() throws {
    let dir = TemporaryDirectory()
    let golden = try editedGolden("seqcls", in: dir) { tensors in
      let i = tensors.firstIndex { $0.name == "logits" }!
      tensors[i].shape = [3, 4]
      tensors[i].floats += [0, 0, 0]
    }
    let result = try run(tool, [seqcls, "--golden", golden])
    #expect(result.status == 2)
    #expect(result.stderr.contains("logits"))
    #expect(result.stderr.split(separator: "\n").count == 1)

    let noIDs = try editedGolden("seqcls", in: dir, name: "noids.safetensors") { $0.removeAll { $0.name == "input_ids" } }
    let missing = try run(tool, [seqcls, "--golden", noIDs])
    #expect(missing.status == 2)
    #expect(missing.stderr.contains("input_ids"))
  }

  @Test("an output the model cannot produce fails: logits for a bare BertModel")
  func cannotProduce() throws {
    let dir = TemporaryDirectory()
    let golden = try editedGolden("base", in: dir) { tensors in
      tensors.append(RawTensor(name: "logits", dtype: .f32, shape: [3, 3], bytes: Array(repeating: 0, count: 36)))
    }
    let result = try run(tool, [base, "--golden", golden])
    #expect(result.status == 1)
    #expect(result.stdout.contains("first divergent: logits — the model cannot produce it"), "\(result.stdout)")
    #expect(row("last_hidden_state", in: result.stdout)?.last == "ok")
  }

  @Test("a missing model or golden is exit 2 with one line naming it")
  func missingFiles() throws {
    let noModel = try run(tool, ["/nonexistent/model", "--golden", goldenPath("seqcls")])
    #expect(noModel.status == 2)
    #expect(noModel.stderr.contains("/nonexistent/model"))
    #expect(noModel.stderr.split(separator: "\n").count == 1)
    let noGolden = try run(tool, [seqcls, "--golden", "/nonexistent/golden.safetensors"])
    #expect(noGolden.status == 2)
    #expect(noGolden.stderr.contains("/nonexistent/golden.safetensors"))
  }

  @Test("--json parses and carries the numbers of the table")
  func json() throws {
    let dir = TemporaryDirectory()
    let golden = try editedGolden("seqcls", in: dir) { $0.modify("logits") { $0[4] += 1e-2 } }
    let result = try run(tool, [seqcls, "--golden", golden, "--json", dir.file("report.json")])
    #expect(result.status == 1)
    let data = try Data(contentsOf: URL(fileURLWithPath: dir.file("report.json")))
    let report = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    #expect(report["pass"] as? Bool == false)
    #expect(report["first_divergent"] as? String == "logits")
    #expect(report["first_divergent_layer"] is NSNull)
    #expect(report["atol"] as? Double == 1e-5)
    #expect(report["rtol"] as? Double == 1e-4)
    let outputs = try #require(report["outputs"] as? [[String: Any]])
    #expect(outputs.map { $0["name"] as? String } == ["hidden_states.0", "hidden_states.1", "hidden_states.2", "last_hidden_state", "pooler_output", "logits"])
    for output in outputs {
      let name = try #require(output["name"] as? String)
      let columns = try #require(row(name, in: result.stdout))
      // output, shape (3 or 2 tokens), compared, max_abs, max_rel, over_tol, cosine, verdict
      let tail = Array(columns.suffix(6))
      #expect(tail[0] == String(output["compared"] as! Int))
      #expect(tail[1] == String(format: "%.3e", output["max_abs_diff"] as! Double))
      #expect(tail[2] == String(format: "%.3e", output["max_rel_diff"] as! Double))
      #expect(tail[3] == String(format: "%.3f%%", 100 * (output["share_over_tolerance"] as! Double)))
      #expect(tail[4] == String(format: "%.8f", output["cosine"] as! Double))
      #expect(tail[5] == ((output["pass"] as! Bool) ? "ok" : "FAIL"))
    }
    let logits = try #require(outputs.last)
    #expect(logits["over_tolerance"] as? Int == 1)
    #expect((logits["max_abs_diff"] as! Double) > 9e-3)
  }

  @Test("bench prints median_ms last; a sequence longer than max_position_embeddings is exit 2")
  func bench() throws {
    let result = try run(tool, ["bench", seqcls, "--seq", "16", "--batch", "2", "--runs", "3"])
    #expect(result.status == 0, "\(result.stderr)")
    let last = try #require(result.stdout.split(separator: "\n").last)
    #expect(last.hasPrefix("median_ms="))
    #expect(Double(last.dropFirst("median_ms=".count)) != nil)
    let tooLong = try run(tool, ["bench", seqcls, "--seq", "65"])
    #expect(tooLong.status == 2)
    #expect(tooLong.stderr.contains("max_position_embeddings"))
  }
}
