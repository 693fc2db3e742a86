import Support

/// A sharded safetensors checkpoint read as one: every shard mapped and validated, every tensor checked
/// against the index.
public final class ShardedSafeTensors: @unchecked Sendable {
  public let index: ShardIndex
  /// The shard files, in the index's first-mention order.
  public let files: [SafeTensorsFile]
  /// Every tensor of every shard, shard by shard, each in data-offset order.
  public let tensors: [TensorView]
  private let positions: [UTF8Key: Int]  // names are bytes: `café` NFC and NFD are two tensors

  /// Opens the index at `indexPath` and every shard it names.
  /// - Throws: ``SafeTensorsError``: `.missingShard` for a shard file that is absent, `.tensorNotFound` for a
  ///   tensor the index places in a shard that lacks it, `.duplicateTensor` for a tensor stored in two shards,
  ///   or any validation error of a shard.
  public init(indexPath: String) throws(SafeTensorsError) {
    index = try ShardIndex(path: indexPath)
    var files: [SafeTensorsFile] = []
    var positions: [UTF8Key: Int] = [:]
    var tensors: [TensorView] = []
    for shard in index.shards {
      let shardPath = index.path(ofShard: shard)
      let file: SafeTensorsFile
      do {
        file = try SafeTensorsFile(path: shardPath)
      } catch where error.code == .io && error.file == shardPath {
        throw SafeTensorsError(.missingShard, file: indexPath, "shard '\(shard)' cannot be opened: \(error.detail)")
      }
      for view in file.tensors {
        if let earlier = positions[UTF8Key(view.name)] {
          throw SafeTensorsError(.duplicateTensor, file: indexPath, tensor: view.name,
                                 "stored in both '\(tensors[earlier].file.path)' and '\(shardPath)'")
        }
        positions[UTF8Key(view.name)] = tensors.count
        tensors.append(view)
      }
      files.append(file)
    }
    for (name, shard) in index.weightMap {
      let shardPath = index.path(ofShard: shard)
      if let position = positions[UTF8Key(name)] {
        guard tensors[position].file.path.utf8.elementsEqual(shardPath.utf8) else {
          throw SafeTensorsError(.tensorNotFound, file: shardPath, tensor: name,
                                 "the index places it here, but it is in '\(tensors[position].file.path)'")
        }
        continue
      }
      // A stale index may still name an alias that the conversion removed and recorded in the shard's metadata.
      let shardFile = files.first { $0.path.utf8.elementsEqual(shardPath.utf8) }
      let kept = shardFile?.metadataEntries.first { $0.key.utf8.elementsEqual(name.utf8) }?.value
      guard let kept, positions[UTF8Key(kept)] != nil else {
        throw SafeTensorsError(.tensorNotFound, file: shardPath, tensor: name, "named in the index but absent from its shard")
      }
    }
    self.files = files
    self.tensors = tensors
    self.positions = positions
  }

  /// The tensor named `name`, if any shard has it.
  public subscript(name: String) -> TensorView? {
    positions[UTF8Key(name)].map { tensors[$0] }
  }
}
