import Foundation
import SafeTensors
import Testing
import TestSupport
@testable import Checkpoint

/// Resource limits checked before memory is committed: files that declare far more data than they hold are
/// refused when opened — before any tensor buffer is allocated — with the limit or the bound named.
@Suite("Resource limits before allocation")
struct HostileResourceTests {
  /// What `body` threw, as a ``CheckpointError``.
  func refusal(_ body: () throws -> Void) -> CheckpointError? {
    do {
      try body()
      Issue.record("accepted")
    } catch let error as CheckpointError {
      return error
    } catch {
      Issue.record("threw \(type(of: error)), not a CheckpointError: \(error)")
    }
    return nil
  }

  @Test("an HDF5 chunked dataset of 4 GiB whose chunks were never written is refused when opened")
  func unwrittenChunks() throws {
    let dir = TemporaryDirectory()
    let path = CraftedHDF5.sparse.write(to: dir.file("tf_model.h5"))
    let error = try #require(refusal { _ = try HDF5Reader.read(path: path) })
    #expect(error.file == path)
    #expect(error.location == "dataset 'bert/tf_bert_model_3/bert/x/kernel:0'", "\(error)")
    #expect(error.code == .outOfBounds, "\(error)")
    #expect(error.detail.contains("stores 0 bytes"), "\(error)")
  }

  @Test("an HDF5 contiguous dataset claiming 64 GiB past the end of a 10 KB file is refused when opened")
  func contiguousBeyondFile() throws {
    let dir = TemporaryDirectory()
    let path = CraftedHDF5.beyond.write(to: dir.file("tf_model.h5"))
    let error = try #require(refusal { _ = try HDF5Reader.read(path: path) })
    #expect(error.file == path)
    #expect(error.location == "dataset 'bert/tf_bert_model_3/bert/x/bias:0'", "\(error)")
    #expect(error.code == .outOfBounds, "\(error)")
    #expect(error.detail.contains("9864-byte file"), "\(error)")
  }

  @Test("an HDF5 weight listed more times than the copy limit is refused when opened, before any copy is read")
  func repeatedWeight() throws {
    let dir = TemporaryDirectory()
    let path = CraftedHDF5.copies.write(to: dir.file("tf_model.h5"))
    let error = try #require(refusal { _ = try HDF5Reader.read(path: path) })
    #expect(error.code == .limitExceeded, "\(error)")
    #expect(error.location == "dataset 'bert/tf_bert_model_3/bert/x/bias:0'", "\(error)")
    #expect(error.detail.contains("more than \(HDF5Reader.maxCopies) times"), "\(error)")
  }

  @Test("a deflated zip record claiming more than deflate can expand to is refused before it is inflated")
  func deflateClaim() throws {
    var bytes = try #require(FileManagerShim.read(Fixtures.path("hostile/zip/benign_deflated.bin")))
    // data.pkl is the first record: its local header at 0, its central-directory entry after the last record.
    let central = try #require(Self.find([0x50, 0x4B, 0x01, 0x02], in: bytes))
    for sizeField in [22, central + 24] {  // uncompressed size: local header +22, central entry +24
      bytes.replaceSubrange(sizeField..<(sizeField + 4), with: withUnsafeBytes(of: UInt32(4_000_000_000).littleEndian) { Array($0) })
    }
    let dir = TemporaryDirectory()
    let path = dir.file("pytorch_model.bin")
    FileManagerShim.write(bytes, to: path)
    let error = try #require(refusal { _ = try Checkpoint.open(path) })
    #expect(error.location == "zip record 'archive/data.pkl'", "\(error)")
    #expect(error.detail.contains("more than deflate can expand to"), "\(error)")
  }

  static func find(_ needle: [UInt8], in bytes: [UInt8]) -> Int? {
    guard bytes.count >= needle.count else { return nil }
    return (0...(bytes.count - needle.count)).first { bytes[$0..<($0 + needle.count)].elementsEqual(needle) }
  }

  @Test("an index of any format naming thousands of shards is refused before a shard is looked for",
        arguments: ["model.safetensors.index.json", "pytorch_model.bin.index.json", "tf_model.h5.index.json"])
  func thousandsOfShards(name: String) throws {
    let dir = TemporaryDirectory()
    let map = (0...ShardIndex.maxShards).map { "\"t\($0)\": \"shard-\($0).bin\"" }.joined(separator: ",")
    FileManagerShim.write(Array("{\"weight_map\": {\(map)}}".utf8), to: dir.file(name))
    let error = try #require(refusal { _ = try Checkpoint.open(dir.path) })
    #expect(error.file == dir.file(name))
    #expect(error.detail.contains("more than \(ShardIndex.maxShards) shard files"), "\(error)")
  }
}
