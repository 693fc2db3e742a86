import SafeTensors

/// Reads PyTorch checkpoints (zip and legacy) without executing anything from them.
enum PyTorchReader {
  /// The tensors of one `.bin`/`.pt` file, in the order its state dict lists them.
  static func read(path: String, format: CheckpointFormat) throws(CheckpointError) -> [SourceTensor] {
    throw CheckpointError(.unsupported, file: path, "reading \(format.rawValue) files is not implemented yet")
  }
}
