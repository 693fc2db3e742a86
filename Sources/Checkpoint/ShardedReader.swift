import Foundation
import SafeTensors
import Support

/// Reads the shards an index names and checks them against it, for any container format.
enum ShardedReader {
  /// Reads every shard with `readShard` and returns their tensors in shard order.
  ///
  /// - Parameter indexName: maps a `weight_map` key to the name the shard reader reports (identity, except for
  ///   TF shards whose keys carry the model scope).
  /// - Throws: ``CheckpointError`` with code `.shard` for a missing shard, a tensor named in the index but absent
  ///   from its shard, or a tensor stored in two shards; or whatever a shard's reader throws.
  static func read(
    index: ShardIndex,
    indexName: (String) -> String = { $0 },
    readShard: (String) throws(CheckpointError) -> [SourceTensor]
  ) throws(CheckpointError) -> [SourceTensor] {
    var tensors: [SourceTensor] = []
    var shardOf: [UTF8Key: String] = [:]  // tensor names and shard file names are bytes, not Swift strings
    // Shards in file-name order (`model-00001-of-00003…`, compared as bytes), which is state-dict order for what
    // transformers writes; the index lists keys sorted by name, so its first mentions need not be (RoBERTa's
    // `classifier.…` sorts before `roberta.…`).
    for shard in index.shards.sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) }) {
      let path = index.path(ofShard: shard)
      guard FileManager.default.fileExists(atPath: path) else {
        throw CheckpointError(.shard, file: index.path, "shard '\(shard)' is missing")
      }
      for tensor in try readShard(path) {
        if let other = shardOf[UTF8Key(tensor.name)] {
          throw CheckpointError(.shard, file: index.path, at: "tensor '\(tensor.name)'", "stored in both '\(other)' and '\(shard)'")
        }
        shardOf[UTF8Key(tensor.name)] = shard
        tensors.append(tensor)
      }
    }
    for (key, shard) in index.weightMap {
      let name = indexName(key)
      guard let stored = shardOf[UTF8Key(name)], stored.utf8.elementsEqual(shard.utf8) else {
        let actual = shardOf[UTF8Key(name)].map { "it is in '\($0)'" } ?? "no shard has it"
        throw CheckpointError(.shard, file: index.path(ofShard: shard), at: "tensor '\(key)'",
                              "the index places it in this shard, but \(actual)")
      }
    }
    return tensors
  }
}
