import SafeTensors

/// Reads Keras HDF5 checkpoints (`tf_model.h5`, single and sharded) and names tensors as PyTorch does.
enum HDF5Reader {
  static func read(path: String) throws(CheckpointError) -> [SourceTensor] {
    throw CheckpointError(.unsupported, file: path, "reading HDF5 files is not implemented yet")
  }

  static func readSharded(index: ShardIndex) throws(CheckpointError) -> [SourceTensor] {
    throw CheckpointError(.unsupported, file: index.path, "reading sharded HDF5 checkpoints is not implemented yet")
  }
}
