import Checkpoint
import FuzzSupport
import SafeTensors

// Sharded indexes (`*.index.json`): the JSON parser, the weight_map checks (plain file names only, the shard
// limit), then Checkpoint.open on the index written into an otherwise empty directory, which must refuse it
// (no shard exists) with a one-line error — never open a path outside the directory.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzIndex(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
  let input = inputBytes(data, size)
  let path = Scratch.directory + "/model.safetensors.index.json"
  do {
    let index = try ShardIndex(json: Array(input), path: path)
    invariant(!index.weightMap.isEmpty && !index.shards.isEmpty, "an empty index was accepted")
    invariant(index.shards.count <= ShardIndex.maxShards, "\(index.shards.count) shards were accepted")
    for shard in index.shards {
      invariant(!shard.isEmpty && !shard.contains("/") && shard != "." && shard != "..", "shard name '\(shard)' leaves the directory")
      invariant(index.path(ofShard: shard) == Scratch.directory + "/" + shard, "shard '\(shard)' resolves elsewhere")
    }
  } catch {
    invariant(error.code == .invalidIndex, "unexpected error \(error)")
    checkErrorLine(error, naming: path)
  }

  Scratch.write(input, as: "model.safetensors.index.json")
  do {
    _ = try Checkpoint.open(path)
    invariant(false, "an index without shards was opened")
  } catch {
    checkErrorLine(error, naming: Scratch.directory + "/")  // the index or one of its shards, never outside
  }
  return 0
}

runFuzzer(fuzzIndex)
