import SafeTensors
import Support

/// Reads Keras HDF5 checkpoints (`tf_model.h5`, single and sharded) and names tensors as PyTorch does.
///
/// Each tensor is named by ``TFNames`` (transformers' TF→PyTorch name conversion), has its PyTorch shape
/// (`[out, in]` for a kernel) and reads its dataset on demand, in the stored element type, little-endian.
enum HDF5Reader {
  /// Datasets of higher rank are refused: BERT has none, and transformers would permute, not transpose, them.
  static let maxRank = 2
  /// How many datasets may hold the same weight (Keras stores TFBertForPreTraining's word embeddings twice);
  /// every copy is read and compared, so a weight listed a million times would be read a million times.
  static let maxCopies = 8

  /// Reads one `tf_model.h5` or one shard of a sharded TF checkpoint.
  /// - Throws: ``CheckpointError`` naming the file, and the dataset or attribute where it applies.
  static func read(path: String) throws(CheckpointError) -> [SourceTensor] {
    let format = try CheckpointFormat.detect(path: path)
    guard format == .hdf5 else {
      throw CheckpointError(.unknownFormat, file: path, "is not an HDF5 file (its content is \(format.rawValue))")
    }
    let file = try HDF5File(path: path)
    let weights = try KerasLayout.weights(in: file)
    guard !weights.isEmpty else {
      throw CheckpointError(.malformed, file: path, "lists no weights in 'layer_names'")
    }

    // Each tensor's first dataset, and every further dataset holding the same weight (appended in place: a
    // hostile file may list one weight a million times).
    var tensors: [(name: String, bytes: HDF5TensorBytes, copies: [String])] = []
    var position: [UTF8Key: Int] = [:]  // names are bytes, not Swift strings
    for weight in weights {
      let mapping = TFNames.pytorchName(weight.variableName, hasModelScope: weight.hasModelScope)
      let dataset = try HDF5Dataset(file: file, path: weight.datasetPath)
      guard dataset.shape.count <= maxRank else {
        throw CheckpointError(.unsupported, file: path, at: "dataset '\(weight.datasetPath)'",
                              "has rank \(dataset.shape.count) (shape \(dataset.shape)); only tensors of rank ≤ \(maxRank) are read")
      }
      let bytes = HDF5TensorBytes(file: file, name: mapping.name, datasetPaths: [weight.datasetPath], dtype: dataset.dtype,
                                  storedShape: dataset.shape, transposed: mapping.transposes && dataset.shape.count == 2)
      if let index = position[UTF8Key(mapping.name)] {
        let first = tensors[index].bytes
        guard first.dtype == bytes.dtype, first.storedShape == bytes.storedShape else {
          throw CheckpointError(.malformed, file: path, at: "dataset '\(weight.datasetPath)'",
                                "holds '\(mapping.name)' like dataset '\(first.datasetPaths[0])', but as \(bytes.dtype.rawValue) "
                                  + "\(bytes.storedShape) instead of \(first.dtype.rawValue) \(first.storedShape)")
        }
        guard tensors[index].copies.count + 1 < maxCopies else {
          throw CheckpointError(.limitExceeded, file: path, at: "dataset '\(weight.datasetPath)'",
                                "holds '\(mapping.name)' again: a weight stored more than \(maxCopies) times")
        }
        tensors[index].copies.append(weight.datasetPath)
      } else {
        position[UTF8Key(mapping.name)] = tensors.count
        tensors.append((mapping.name, bytes, []))
      }
    }
    return tensors.map { name, first, copies in
      let bytes = copies.isEmpty ? first : HDF5TensorBytes(
        file: file, name: name, datasetPaths: first.datasetPaths + copies, dtype: first.dtype, storedShape: first.storedShape,
        transposed: first.transposed)
      return SourceTensor(name: name, dtype: bytes.dtype, shape: bytes.transposed ? bytes.storedShape.reversed() : bytes.storedShape,
                          file: path, bytes: bytes)
    }
  }

  /// Reads a sharded TF checkpoint (`tf_model.h5.index.json` and its `tf_model-0000i-of-0000N.h5` shards),
  /// checking every shard against the index, whose keys are the full variable names.
  /// - Throws: ``CheckpointError`` for a missing shard, a tensor the index misplaces, or whatever a shard's
  ///   reading throws.
  static func readSharded(index: ShardIndex) throws(CheckpointError) -> [SourceTensor] {
    try ShardedReader.read(index: index, indexName: { TFNames.pytorchName($0).name }) { path throws(CheckpointError) in
      try read(path: path)
    }
  }
}
