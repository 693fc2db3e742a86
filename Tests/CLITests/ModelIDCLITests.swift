import Foundation
import Testing
import TestSupport

/// Both tools take a HuggingFace model id for SOURCE/MODEL and find it in the local cache (README.md, "Model ids").
@Suite("model ids on the command line")
struct ModelIDCLITests {
  static let commit = "89abcdef0123456789abcdef0123456789abcdef"
  let source = Fixtures.path("models/seqcls/safetensors")

  func cache(_ dir: TemporaryDirectory) throws -> FakeHubCache {
    let cache = FakeHubCache(root: dir.file("hf/hub"))
    try cache.add(repo: "tiny-org/seqcls", commit: Self.commit, files: [
      "config.json": source + "/config.json", "model.safetensors": source + "/model.safetensors",
      "vocab.txt": source + "/vocab.txt", "tokenizer_config.json": source + "/tokenizer_config.json",
    ])
    return cache
  }

  @Test("bert-convert org/name converts the cached snapshot, byte for byte as the directory it came from")
  func convertByID() throws {
    let dir = TemporaryDirectory()
    let cache = try cache(dir)
    let tool = Binaries.path("bert-convert")
    let byID = try run(tool, ["tiny-org/seqcls", "-o", dir.file("id.safetensors")], environment: ["HF_HUB_CACHE": cache.root])
    #expect(byID.status == 0, "\(byID.stderr)")
    let byPath = try run(tool, [source, "-o", dir.file("path.safetensors")])
    #expect(byPath.status == 0)
    #expect(FileManagerShim.read(dir.file("id.safetensors")) == FileManagerShim.read(dir.file("path.safetensors")))
    // The directory output copies the tokenizer files the snapshot links to, as regular files.
    let out = dir.file("out")
    let directory = try run(tool, ["tiny-org/seqcls@main", "-o", out], environment: ["HF_HOME": dir.file("hf")])
    #expect(directory.status == 0, "\(directory.stderr)")
    #expect(FileManagerShim.read(out + "/vocab.txt") == FileManagerShim.read(source + "/vocab.txt"))
    let inspect = try run(tool, ["inspect", "tiny-org/seqcls"], environment: ["HF_HUB_CACHE": cache.root])
    #expect(inspect.stdout.contains("41 tensors"))
  }

  @Test("bert-verify org/name --golden runs the cached model")
  func verifyByID() throws {
    let dir = TemporaryDirectory()
    let cache = try cache(dir)
    let result = try run(Binaries.path("bert-verify"), ["tiny-org/seqcls", "--golden", Fixtures.path("models/seqcls/golden.safetensors")],
                         environment: ["HF_HUB_CACHE": cache.root])
    #expect(result.status == 0, "\(result.stderr)")
    #expect(result.stdout.contains("PASS"))
  }

  @Test("a model id missing from the cache: exit 2, one line naming the cache paths and the download command")
  func missing() throws {
    let dir = TemporaryDirectory()
    let cache = try cache(dir)
    for tool in [Binaries.path("bert-convert"), Binaries.path("bert-verify")] {
      let arguments = tool.hasSuffix("convert") ? ["tiny-org/absent", "-o", dir.file("x.safetensors")]
                                                : ["tiny-org/absent", "--golden", Fixtures.path("models/seqcls/golden.safetensors")]
      let result = try run(tool, arguments, environment: ["HF_HUB_CACHE": cache.root])
      #expect(result.status == 2)
      #expect(result.stderr.split(separator: "\n").count == 1)
      #expect(result.stderr.contains(cache.root + "/models--tiny-org--absent"))
      #expect(result.stderr.contains("hf download tiny-org/absent"))
    }
  }
}
