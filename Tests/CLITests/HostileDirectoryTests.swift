import Foundation
import SafeTensors
import Testing
import TestSupport

/// Model directories whose files are not what their names promise: FIFOs (opening one for reading would wait
/// forever for a writer), device files, oversized JSON, and the symlinks a hub cache snapshot is made of.
@Suite("Hostile model directories")
struct HostileDirectoryTests {
  static let tool = Binaries.path("bert-convert")
  static let fixture = Fixtures.path("models/seqcls/safetensors")

  /// A copy of the seqcls safetensors model (weights and config.json).
  static func model() throws -> TemporaryDirectory {
    let dir = TemporaryDirectory()
    for name in ["model.safetensors", "config.json"] {
      FileManagerShim.write(try #require(FileManagerShim.read(fixture + "/" + name)), to: dir.file(name))
    }
    return dir
  }

  static func expectRefusal(_ arguments: [String], naming file: String, mentioning detail: String) throws {
    let start = ContinuousClock.now
    let result = try run(tool, arguments)
    #expect(ContinuousClock.now - start < .seconds(5), "took \(ContinuousClock.now - start)")
    #expect(result.status == 2, "exit \(result.status): \(result.stderr)")
    #expect(result.stderr.split(separator: "\n").count == 1, "not one line: \(result.stderr)")
    #expect(result.stderr.contains(file), "does not name \(file): \(result.stderr)")
    #expect(result.stderr.contains(detail), "does not mention '\(detail)': \(result.stderr)")
  }

  @Test("a FIFO as the weights, the index or config.json is refused at once, never waited on",
        arguments: ["model.safetensors", "model.safetensors.index.json", "config.json"])
  func fifo(name: String) throws {
    let dir = try Self.model()
    if name != "model.safetensors.index.json" { try FileManager.default.removeItem(atPath: dir.file(name)) }
    if name == "model.safetensors.index.json" { try FileManager.default.removeItem(atPath: dir.file("model.safetensors")) }
    #expect(mkfifo(dir.file(name), 0o600) == 0)
    try Self.expectRefusal([dir.path, "-o", dir.file("out.safetensors")], naming: dir.file(name), mentioning: "not a regular file")
  }

  @Test("a tokenizer file that links to a device is refused and nothing is written")
  func deviceTokenizerFile() throws {
    let dir = try Self.model()
    try FileManager.default.createSymbolicLink(atPath: dir.file("vocab.txt"), withDestinationPath: "/dev/zero")
    let elsewhere = TemporaryDirectory()  // an output inside the source directory is refused on its own
    let output = elsewhere.file("converted")
    try Self.expectRefusal([dir.path, "-o", output], naming: dir.file("vocab.txt"), mentioning: "not a regular file")
    #expect(!FileManagerShim.exists(output))
  }

  @Test("a config.json over the size limit is refused before it is read")
  func hugeConfig() throws {
    let dir = try Self.model()
    let handle = try #require(FileHandle(forWritingAtPath: dir.file("config.json")))
    try handle.truncate(atOffset: 64 << 20)  // sparse: 64 MiB of zeros after the real config
    try handle.close()
    try Self.expectRefusal([dir.path, "-o", dir.file("out.safetensors")], naming: dir.file("config.json"), mentioning: "limit")
  }

  @Test("a hub cache snapshot (every file a symlink into blobs/) converts to a directory of regular files")
  func hubCacheSnapshot() throws {
    let cache = TemporaryDirectory()
    try FileManager.default.createDirectory(atPath: cache.file("blobs"), withIntermediateDirectories: true)
    try FileManager.default.createDirectory(atPath: cache.file("snapshot"), withIntermediateDirectories: true)
    let vocab = Array("[PAD]\n[UNK]\n[CLS]\n[SEP]\n".utf8)
    for (name, bytes) in [("model.safetensors", try #require(FileManagerShim.read(Self.fixture + "/model.safetensors"))),
                          ("config.json", try #require(FileManagerShim.read(Self.fixture + "/config.json"))), ("vocab.txt", vocab)] {
      FileManagerShim.write(bytes, to: cache.file("blobs/" + name + ".blob"))
      try FileManager.default.createSymbolicLink(atPath: cache.file("snapshot/" + name), withDestinationPath: "../blobs/" + name + ".blob")
    }
    let output = cache.file("converted")
    let result = try run(Self.tool, [cache.file("snapshot"), "-o", output])
    #expect(result.status == 0, "\(result.stderr)")
    let type = try FileManager.default.attributesOfItem(atPath: output + "/vocab.txt")[.type] as? FileAttributeType
    #expect(type == .typeRegular, "vocab.txt was copied as \(String(describing: type))")
    #expect(FileManagerShim.read(output + "/vocab.txt") == vocab)
  }
}
