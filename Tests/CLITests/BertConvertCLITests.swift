import Testing
import TestSupport

/// bert-convert as users meet it: the built binary, its exit codes, stdout and stderr.
@Suite("bert-convert CLI")
struct BertConvertCLITests {
  let tool = Binaries.path("bert-convert")

  @Test("--help describes the tool and exits 0")
  func help() throws {
    let result = try run(tool, ["--help"])
    #expect(result.status == 0)
    #expect(result.stdout.contains("canonical"))
    #expect(result.stdout.contains("inspect"))
  }

  @Test("a bad flag or missing argument is a usage error: exit 2")
  func usage() throws {
    #expect(try run(tool, ["--no-such-flag"]).status == 2)
    #expect(try run(tool, [Fixtures.path("models/seqcls/safetensors")]).status == 2)
    #expect(try run(tool, [Fixtures.path("models/seqcls/safetensors"), "-o", "x", "--dtype", "f8"]).status == 2)
  }

  @Test("a missing source is exit 2 with one line naming it")
  func missing() throws {
    let result = try run(tool, ["/nonexistent/model", "-o", "/tmp/never"])
    #expect(result.status == 2)
    #expect(result.stderr.contains("/nonexistent/model"))
    #expect(result.stderr.split(separator: "\n").count == 1)
  }

  @Test("a file that is no checkpoint is exit 2 naming the file")
  func garbage() throws {
    let dir = TemporaryDirectory()
    FileManagerShim.write(Array("this is not a checkpoint at all".utf8), to: dir.file("tf_model.h5"))
    let result = try run(tool, ["inspect", dir.file("tf_model.h5")])
    #expect(result.status == 2)
    #expect(result.stderr.contains("tf_model.h5"))
  }

  @Test("convert writes the file, refuses to overwrite it (exit 2), and replaces it with --force")
  func convert() throws {
    let dir = TemporaryDirectory()
    let out = dir.file("m.safetensors")
    let first = try run(tool, [Fixtures.path("models/seqcls/safetensors"), "-o", out])
    #expect(first.status == 0, "\(first.stderr)")
    #expect(first.stdout.contains("41 tensors"))
    let again = try run(tool, [Fixtures.path("models/seqcls/safetensors"), "-o", out])
    #expect(again.status == 2)
    #expect(again.stderr.contains("--force"))
    #expect(try run(tool, [Fixtures.path("models/seqcls/safetensors"), "-o", out, "--force"]).status == 0)
    #expect(FileManagerShim.list(dir.path) == ["m.safetensors"])
  }

  @Test("inspect lists source → canonical names; --json parses")
  func inspect() throws {
    let table = try run(tool, ["inspect", Fixtures.path("models/base/safetensors")])
    #expect(table.status == 0)
    #expect(table.stdout.contains("embeddings.word_embeddings.weight"))
    #expect(table.stdout.contains("→ bert.embeddings.word_embeddings.weight"))
    let json = try run(tool, ["inspect", "--json", Fixtures.path("models/seqcls/safetensors")])
    #expect(json.status == 0)
    #expect(json.stdout.contains("\"canonical\":\"classifier.weight\""))
    #expect(json.stdout.contains("\"format\":\"safetensors\""))
  }
}
