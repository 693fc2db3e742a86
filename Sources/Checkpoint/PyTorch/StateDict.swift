/// Finds the state dict in an unpickled checkpoint object.
enum StateDict {
  /// The tensors of `root`, in dict order: `root` itself when it maps names to tensors, otherwise the dict under
  /// `state_dict` or `model`. Entries that are not tensors under str keys (`_metadata`, epoch counters, optimizer
  /// state) are skipped.
  /// - Throws: ``CheckpointError`` `.malformed` when `root` is not a dict or no tensor is found.
  static func tensors(in root: PickleValue, file: String, at location: String?) throws(CheckpointError) -> [(name: String, record: TensorRecord)] {
    guard let top = root.dictValue else {
      throw CheckpointError(.malformed, file: file, at: location, "the pickled object is a \(root.kind), not a dict of tensors")
    }
    let direct = tensors(of: top)
    if !direct.isEmpty { return direct }
    for key in ["state_dict", "model"] {
      if let inner = top[key]?.dictValue {
        let nested = tensors(of: inner)
        if !nested.isEmpty { return nested }
      }
    }
    throw CheckpointError(.malformed, file: file, at: location,
                          "holds no tensors: expected a dict of tensors, or one under 'state_dict' or 'model'")
  }

  private static func tensors(of dict: PickleDict) -> [(name: String, record: TensorRecord)] {
    dict.entries.compactMap { entry in
      guard let name = entry.key.stringValue, let record = entry.value.tensorValue else { return nil }
      return (name, record)
    }
  }
}
