import Checkpoint
import Foundation
import Testing
import TestSupport

/// Model ids resolved in the local HuggingFace cache as huggingface_hub resolves them (README.md, "Model ids").
@Suite("HuggingFace cache model ids")
struct HubCacheTests {
  static let commit = "0123456789abcdef0123456789abcdef01234567"
  static let other = "fedcba9876543210fedcba9876543210fedcba98"
  static let seqcls = Fixtures.path("models/seqcls/safetensors")
  static var files: [String: String] {
    ["config.json": seqcls + "/config.json", "model.safetensors": seqcls + "/model.safetensors"]
  }

  @Test("the cache root: HF_HUB_CACHE, then HUGGINGFACE_HUB_CACHE, HF_HOME/hub, XDG_CACHE_HOME/huggingface/hub, ~/.cache/huggingface/hub")
  func root() {
    let all = ["HF_HUB_CACHE": "/a", "HUGGINGFACE_HUB_CACHE": "/b", "HF_HOME": "/c", "XDG_CACHE_HOME": "/d", "HOME": "/home/u"]
    #expect(HubCache(environment: all).root == "/a")
    #expect(HubCache(environment: all.filter { $0.key != "HF_HUB_CACHE" }).root == "/b")
    #expect(HubCache(environment: ["HF_HOME": "/c", "XDG_CACHE_HOME": "/d", "HOME": "/home/u"]).root == "/c/hub")
    #expect(HubCache(environment: ["XDG_CACHE_HOME": "/d", "HOME": "/home/u"]).root == "/d/huggingface/hub")
    #expect(HubCache(environment: ["HOME": "/home/u"]).root == "/home/u/.cache/huggingface/hub")
    #expect(HubCache(environment: ["HF_HOME": "~/hf", "HOME": "/home/u"]).root == "/home/u/hf/hub")
    #expect(HubCache(environment: ["HF_HUB_CACHE": "", "HOME": "/home/u"]).root == "/home/u/.cache/huggingface/hub")
  }

  @Test("model ids are org/name[@revision]; anything that could leave the cache is not one")
  func ids() {
    #expect(HubCache.parseModelID("sentence-transformers/all-MiniLM-L6-v2")! == ("sentence-transformers/all-MiniLM-L6-v2", "main"))
    #expect(HubCache.parseModelID("google-bert/bert-base-uncased@v1.0")! == ("google-bert/bert-base-uncased", "v1.0"))
    #expect(HubCache.parseModelID("org/name@refs/pr/3")! == ("org/name", "refs/pr/3"))
    for bad in ["name", "a/b/c", "/abs/path", "org/..", "../x", "org/na--me", "org/-x", "org/x.", "org/name@", "org/name@../../x",
                "org/name@/etc", "org/na me", "./x", "org/name@a/./b"] {
      #expect(HubCache.parseModelID(bad) == nil, "\(bad)")
    }
  }

  @Test("refs/main names the snapshot; the files are symlinks into blobs and open as a checkpoint")
  func resolvesMain() throws {
    let dir = TemporaryDirectory()
    let cache = FakeHubCache(root: dir.file("hub"))
    let snapshot = try cache.add(repo: "org/tiny-bert", commit: Self.commit, files: Self.files)
    try cache.add(repo: "org/tiny-bert", commit: Self.other, ref: "v2", files: Self.files)
    let env = ["HF_HUB_CACHE": cache.root]
    let path = try HubCache.resolve("org/tiny-bert", environment: env)
    #expect(path == snapshot)
    #expect(try HubCache.resolve("org/tiny-bert@v2", environment: env).hasSuffix("/snapshots/" + Self.other))
    // A full commit hash needs no ref.
    #expect(try HubCache.resolve("org/tiny-bert@" + Self.other, environment: env).hasSuffix("/snapshots/" + Self.other))
    let checkpoint = try Checkpoint.open(path)
    #expect(checkpoint.tensors.count == 41)
    #expect(checkpoint.directory == snapshot)
  }

  @Test("HF_HOME/hub is used when HF_HUB_CACHE is unset")
  func hfHome() throws {
    let dir = TemporaryDirectory()
    let cache = FakeHubCache(root: dir.file("home/hub"))
    let snapshot = try cache.add(repo: "org/tiny-bert", commit: Self.commit, files: Self.files)
    #expect(try HubCache.resolve("org/tiny-bert", environment: ["HF_HOME": dir.file("home")]) == snapshot)
  }

  @Test("an existing path wins over a model id of the same spelling")
  func pathFirst() throws {
    // `golden/models` is spelled like an id and exists relative to the package root, where swift test runs.
    guard FileManager.default.fileExists(atPath: "golden/models") else {
      print("NOT RUN: the working directory is not the package root")
      return
    }
    #expect(try HubCache.resolve("golden/models", environment: ["HF_HUB_CACHE": "/nonexistent"]) == "golden/models")
  }

  @Test("a model missing from the cache: .notFound naming the paths looked in and the download command")
  func missing() throws {
    let dir = TemporaryDirectory()
    let cache = FakeHubCache(root: dir.file("hub"))
    try cache.add(repo: "org/tiny-bert", commit: Self.commit, files: Self.files)
    for (id, revision) in [("org/absent", ""), ("org/tiny-bert@v9", " --revision v9")] {
      do {
        _ = try HubCache.resolve(id, environment: ["HF_HUB_CACHE": cache.root])
        Issue.record("\(id) resolved")
      } catch {
        #expect(error.code == .notFound)
        let line = "\(error)"
        #expect(line.contains(cache.root + "/models--org--"))
        // Which cache was searched, or what the model's folder lacks.
        #expect(line.contains(revision.isEmpty ? "in the cache in HF_HUB_CACHE" : "has neither refs/v9 nor snapshots/v9"))
        let repo = id.split(separator: "@")[0]
        #expect(line.contains("hf download \(repo)\(revision)"))
        #expect(line.contains("huggingface-cli download \(repo)\(revision)"))
        #expect(!line.contains("\n"))
      }
    }
    // Not an id and not a path: returned unchanged for the reader's own "no such file" error.
    #expect(try HubCache.resolve("no-such-file.bin", environment: ["HF_HUB_CACHE": cache.root]) == "no-such-file.bin")
  }

  @Test("a ref that does not hold a commit hash is refused, never followed as a path")
  func hostileRef() throws {
    let dir = TemporaryDirectory()
    let cache = FakeHubCache(root: dir.file("hub"))
    try cache.add(repo: "org/tiny-bert", commit: Self.commit, ref: nil, files: Self.files)
    let refs = cache.root + "/models--org--tiny-bert/refs"
    try FileManager.default.createDirectory(atPath: refs, withIntermediateDirectories: true)
    try Data("../../../../etc".utf8).write(to: URL(fileURLWithPath: refs + "/main"))
    #expect(throws: CheckpointError.self) { try HubCache.resolve("org/tiny-bert", environment: ["HF_HUB_CACHE": cache.root]) }
  }
}
