import Foundation
import Testing
import TestSupport
@testable import BERT

/// Parses `path` with Python's xml.etree and prints one line per testcase: name, then `failure:<message>`,
/// `skipped` or `ok`; the first line holds the root tag and its counts.
func parseJUnit(_ path: String) throws -> [String] {
  let script = """
    import sys, xml.etree.ElementTree as ET
    root = ET.parse(sys.argv[1]).getroot()
    suites = root.findall("testsuite")
    cases = [c for s in suites for c in s.findall("testcase")]
    failed = [c for c in cases if c.find("failure") is not None]
    skipped = [c for c in cases if c.find("skipped") is not None]
    assert int(root.get("tests")) == len(cases) and int(root.get("failures")) == len(failed), root.attrib
    assert int(root.get("skipped")) == len(skipped)
    for s in suites:
        assert int(s.get("tests")) == len(s.findall("testcase")), s.attrib
        for key in ("name", "tests", "failures", "errors", "time", "timestamp", "hostname", "id", "package"):
            assert s.get(key) is not None, key
        assert s.find("properties") is not None and s.find("system-out") is not None and s.find("system-err") is not None
    print(root.tag, root.get("tests"), root.get("failures"), root.get("skipped"))
    for c in cases:
        f = c.find("failure")
        print(c.get("name"), "failure:" + f.get("type") + ":" + f.get("message") if f is not None else
              "skipped" if c.find("skipped") is not None else "ok")
    """
  let result = try run(Python.executable, ["-c", script, path])
  try #require(result.status == 0, "JUnit XML does not parse: \(result.stderr)")
  return result.stdout.split(separator: "\n").map(String.init)
}

/// `bert-verify --junit` and `--json -` (docs/REPORT.md): what a CI job reads.
@Suite("bert-verify reports")
struct ReportCLITests {
  let tool = Binaries.path("bert-verify")
  let seqcls = Fixtures.path("models/seqcls/safetensors")

  @Test("--junit on a passing run: testsuites with one testcase per output and one for tokenization, all ok")
  func junitPasses() throws {
    let dir = TemporaryDirectory()
    let result = try run(tool, [seqcls, "--golden", goldenPath("seqcls"), "--junit", dir.file("junit.xml")])
    #expect(result.status == 0, "\(result.stderr)")
    let lines = try parseJUnit(dir.file("junit.xml"))
    #expect(lines.first == "testsuites 7 0 0")
    #expect(Array(lines.dropFirst()) == ["tokenization", "hidden_states.0", "hidden_states.1", "hidden_states.2",
                                          "last_hidden_state", "pooler_output", "logits"].map { $0 + " ok" })
  }

  @Test("--junit on a perturbed golden: a failure naming max abs/rel diff and the first divergent layer; exit 1")
  func junitFailure() throws {
    let dir = TemporaryDirectory()
    let golden = try editedGolden("seqcls", in: dir) { tensors in
      tensors.modify("hidden_states.2") { $0[40] += 1e-2 }
      tensors.modify("logits") { $0[0] += 1e-2 }
    }
    let result = try run(tool, [seqcls, "--golden", golden, "--junit", dir.file("junit.xml")])
    #expect(result.status == 1)
    let lines = try parseJUnit(dir.file("junit.xml"))
    #expect(lines.first == "testsuites 7 2 0")
    let layer = try #require(lines.first { $0.hasPrefix("hidden_states.2 ") })
    #expect(layer.contains("failure:parity:max_abs_diff 1.00"))
    #expect(layer.contains("max_rel_diff"))
    #expect(layer.contains("first divergent: layer 2 (hidden_states.2"))
    let logits = try #require(lines.first { $0.hasPrefix("logits ") })
    #expect(logits.contains("first divergent: layer 2"))
    #expect(lines.contains("hidden_states.1 ok"))
  }

  @Test("--junit: a text that does not re-tokenize is a failing tokenization testcase; no texts is skipped")
  func junitTokenization() throws {
    let dir = TemporaryDirectory()
    var (tensors, metadata) = try readTensors(goldenPath("seqcls"))
    // A control character and XML metacharacters in the text must come out as well-formed XML.
    metadata["texts"] = #"["The <quick> & \"dog\" \u0007jumped over the lazy cat!", ["Is the old cat happy?", "Yes, very."], ["Hello Café", "zebra"]]"#
    try writeTensors(tensors, metadata: metadata, to: dir.file("bad-texts.safetensors"))
    metadata["texts"] = nil
    try writeTensors(tensors, metadata: metadata, to: dir.file("no-texts.safetensors"))
    tensors.removeAll()

    let bad = try run(tool, [seqcls, "--golden", dir.file("bad-texts.safetensors"), "--junit", dir.file("bad.xml")])
    #expect(bad.status == 1)
    let badLines = try parseJUnit(dir.file("bad.xml"))
    #expect(badLines.first == "testsuites 7 1 0")
    let tokenization = try #require(badLines.dropFirst().first)
    #expect(tokenization.hasPrefix("tokenization failure:tokenizer mismatch:"))
    // The text is quoted as a JSON string (docs/GOLDEN.md): quotes and control characters escaped.
    #expect(tokenization.contains(#"<quick> & \"dog\" \u0007jumped"#))
    #expect(badLines.contains("logits ok"))

    let none = try run(tool, [seqcls, "--golden", dir.file("no-texts.safetensors"), "--junit", dir.file("none.xml")])
    #expect(none.status == 0)
    #expect(try parseJUnit(dir.file("none.xml")).prefix(2) == ["testsuites 7 0 1", "tokenization skipped"])
  }

  @Test("--json - writes only the JSON report to stdout, with schema_version and the tokenization check")
  func jsonStdout() throws {
    let dir = TemporaryDirectory()
    let golden = try editedGolden("seqcls", in: dir) { $0.modify("logits") { $0[4] += 1e-2 } }
    let result = try run(tool, [seqcls, "--golden", golden, "--json", "-"])
    #expect(result.status == 1)
    let report = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
    #expect(report["schema_version"] as? Int == 1)
    #expect(report["pass"] as? Bool == false)
    #expect(report["parity_pass"] as? Bool == false)
    #expect(report["first_divergent"] as? String == "logits")
    let tokenization = try #require(report["tokenization"] as? [String: Any])
    #expect(tokenization["status"] as? String == "pass")
    #expect((tokenization["tokenizer"] as? String)?.hasSuffix("vocab.txt") == true)
    #expect((report["outputs"] as? [Any])?.count == 6)
    // The table went to stderr.
    #expect(result.stderr.contains("FAIL: 1 of 6 outputs"))
    #expect(!result.stdout.contains("FAIL"))

    let passing = try run(tool, [seqcls, "--golden", goldenPath("seqcls"), "--json", "-"])
    #expect(passing.status == 0)
    let ok = try #require(try JSONSerialization.jsonObject(with: Data(passing.stdout.utf8)) as? [String: Any])
    #expect(ok["pass"] as? Bool == true)
  }

  @Test("XML escaping: metacharacters, attribute whitespace and characters XML 1.0 forbids")
  func escaping() {
    #expect(JUnitXML.attribute("a<b>&\"c\"\td\ne") == "\"a&lt;b&gt;&amp;&quot;c&quot;&#9;d&#10;e\"")
    #expect(JUnitXML.text("x\u{0}y\u{1B}z\u{7F}\u{FFFE}\n") == "x\\u{0}y\\u{1B}z\\u{7F}\\u{FFFE}\n")
    #expect(JUnitXML.text("café 日本 😀") == "café 日本 😀")
    #expect(JUnitXML.classSegment("golden/models/seqcls/golden.safetensors") == "golden.models.seqcls.golden")
    #expect(JUnitXML.classSegment("./ci/v1.2.safetensors") == "ci.v1_2")
  }

  @Test("a report path that cannot be written is exit 2 naming it; nothing is left behind")
  func unwritable() throws {
    let dir = TemporaryDirectory()
    let path = dir.file("missing-dir/junit.xml")
    let result = try run(tool, [seqcls, "--golden", goldenPath("seqcls"), "--junit", path])
    #expect(result.status == 2)
    #expect(result.stderr.contains(path))
    #expect(result.stderr.split(separator: "\n").count == 1)
    #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).isEmpty)
  }
}
