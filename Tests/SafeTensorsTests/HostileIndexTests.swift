import Foundation
import Testing
import TestSupport
@testable import SafeTensors

/// Shard indexes built to make the reader open a file other than the one named, or to exhaust memory.
@Suite("Hostile shard indexes")
struct HostileIndexTests {
  @Test("a shard name with a NUL (which would cut the path short at open) is refused")
  func nulInShardName() {
    let json = Array("{\"weight_map\": {\"a\": \"model-00001-of-00002.safetensors\\u0000.evil\"}}".utf8)
    #expect(throws: SafeTensorsError.self) { try ShardIndex(json: json, path: "model.safetensors.index.json") }
    do {
      _ = try ShardIndex(json: json, path: "model.safetensors.index.json")
    } catch {
      #expect(error.code == .invalidIndex)
      #expect(error.detail.contains("not a plain file name"))
    }
  }

  @Test("an index file over the size limit is refused before it is read")
  func oversized() throws {
    let dir = TemporaryDirectory()
    let path = dir.file("model.safetensors.index.json")
    FileManagerShim.write(Array("{\"weight_map\": {}}".utf8), to: path)
    let handle = try #require(FileHandle(forWritingAtPath: path))
    try handle.truncate(atOffset: UInt64(ShardIndex.maxFileSize + 1))  // sparse: no disk is used
    try handle.close()
    do {
      _ = try ShardIndex(path: path)
      Issue.record("accepted")
    } catch {
      #expect(error.code == .invalidIndex)
      #expect(error.detail.contains("more than the limit of \(ShardIndex.maxFileSize) bytes"), "\(error)")
    }
  }
}
