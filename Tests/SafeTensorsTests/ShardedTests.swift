import Testing
import TestSupport
@testable import SafeTensors

@Suite("Sharded checkpoints")
struct ShardedTests {
  let dir = TemporaryDirectory()

  /// Two shards: a+b in the first, c in the second, and an index describing them.
  func makeShards(index: String? = nil) throws -> String {
    try writeFile(dir.file("model-00001-of-00002.safetensors"), [
      (TensorHeader(name: "a", dtype: .f32, shape: [2]), floats([1, 2])),
      (TensorHeader(name: "b", dtype: .f32, shape: [1]), floats([3])),
    ])
    try writeFile(dir.file("model-00002-of-00002.safetensors"), [(TensorHeader(name: "c", dtype: .f32, shape: [1]), floats([4]))],
                  metadata: ["alias": "c"])
    let text = index ?? """
      {"metadata": {"total_size": 16}, "weight_map": {"a": "model-00001-of-00002.safetensors",
       "b": "model-00001-of-00002.safetensors", "c": "model-00002-of-00002.safetensors"}}
      """
    let path = dir.file("model.safetensors.index.json")
    FileManagerShim.write(Array(text.utf8), to: path)
    return path
  }

  @Test("an index and its shards read as one checkpoint")
  func reads() throws {
    let sharded = try ShardedSafeTensors(indexPath: makeShards())
    #expect(sharded.tensors.map(\.name) == ["a", "b", "c"])
    #expect(sharded.index.totalSize == 16)
    #expect(sharded["c"]?.withUnsafeBytes { Array($0) } == floats([4]))
  }

  func failure(_ index: String) throws -> SafeTensorsError? {
    do {
      _ = try ShardedSafeTensors(indexPath: makeShards(index: index))
      return nil
    } catch let error as SafeTensorsError {
      return error
    }
  }

  @Test("a missing shard is an error naming it")
  func missingShard() throws {
    let error = try failure("{\"weight_map\": {\"a\": \"model-00001-of-00002.safetensors\", \"z\": \"model-00003-of-00003.safetensors\"}}")
    #expect(error?.code == .missingShard)
    #expect(error?.description.contains("model-00003-of-00003.safetensors") == true)
  }

  @Test("a tensor the index names but its shard lacks")
  func absentTensor() throws {
    let error = try failure("{\"weight_map\": {\"a\": \"model-00001-of-00002.safetensors\", \"q\": \"model-00002-of-00002.safetensors\"}}")
    #expect(error?.code == .tensorNotFound)
    #expect(error?.tensor == "q")
  }

  @Test("a tensor placed in the wrong shard")
  func wrongShard() throws {
    let error = try failure("{\"weight_map\": {\"a\": \"model-00002-of-00002.safetensors\", \"b\": \"model-00001-of-00002.safetensors\"}}")
    #expect(error?.code == .tensorNotFound)
    #expect(error?.tensor == "a")
  }

  @Test("a stale alias recorded in the shard's metadata is accepted")
  func staleAlias() throws {
    let sharded = try ShardedSafeTensors(indexPath: makeShards(index: """
      {"weight_map": {"a": "model-00001-of-00002.safetensors", "alias": "model-00002-of-00002.safetensors"}}
      """))
    #expect(sharded.tensors.count == 3)
  }

  @Test("a tensor stored in two shards")
  func duplicate() throws {
    let indexPath = try makeShards()
    try writeFile(dir.file("model-00002-of-00002.safetensors"), [(TensorHeader(name: "a", dtype: .f32, shape: [1]), floats([4]))])
    do {
      _ = try ShardedSafeTensors(indexPath: indexPath)
      Issue.record("accepted a tensor in two shards")
    } catch {
      #expect(error.code == .duplicateTensor)
      #expect(error.tensor == "a")
    }
  }

  @Test("malformed indexes: not JSON, no weight_map, a path outside the directory, a non-string shard", arguments: [
    "{", "{\"metadata\": {}}", "{\"weight_map\": {\"a\": \"../model.safetensors\"}}", "{\"weight_map\": {\"a\": \"/etc/passwd\"}}",
    "{\"weight_map\": {\"a\": 3}}", "{\"weight_map\": {}}",
  ])
  func malformed(index: String) throws {
    #expect(try failure(index)?.code == .invalidIndex)
  }

  @Test("an index naming thousands of shards is refused before opening any")
  func tooManyShards() throws {
    let map = (0...ShardIndex.maxShards).map { "\"t\($0)\": \"s\($0).safetensors\"" }.joined(separator: ",")
    let error = try failure("{\"weight_map\": {\(map)}}")
    #expect(error?.code == .invalidIndex)
    #expect(error?.detail.contains("\(ShardIndex.maxShards)") == true)
  }
}
