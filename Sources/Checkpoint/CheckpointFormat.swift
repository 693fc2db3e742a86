import SafeTensors

/// The container a checkpoint file uses, recognised by its content rather than its name.
public enum CheckpointFormat: String, Sendable, CaseIterable {
  case safetensors
  /// torch ≥ 1.6 `torch.save`: a zip archive holding `data.pkl` and `data/<key>` records.
  case pytorchZip = "pytorch-zip"
  /// torch < 1.6 `torch.save`: magic number, protocol 1001, pickles, then raw storages.
  case pytorchLegacy = "pytorch-legacy"
  /// Keras HDF5 (`tf_model.h5`).
  case hdf5

  /// The family a user picks with `--from`.
  public enum Family: String, Sendable, CaseIterable {
    case safetensors, pytorch, tf
  }

  public var family: Family {
    switch self {
    case .safetensors: .safetensors
    case .pytorchZip, .pytorchLegacy: .pytorch
    case .hdf5: .tf
    }
  }

  /// The pickled magic number (protocol 2, LONG1 of 10 bytes, 0x1950a86a20f9469cfc6c) a legacy file starts with.
  static let legacyMagic: [UInt8] = [0x80, 0x02, 0x8A, 0x0A, 0x6C, 0xFC, 0x9C, 0x46, 0xF9, 0x20, 0x6A, 0xA8, 0x50, 0x19]
  static let zipMagic: [UInt8] = [0x50, 0x4B, 0x03, 0x04]
  static let hdf5Magic: [UInt8] = [0x89, 0x48, 0x44, 0x46, 0x0D, 0x0A, 0x1A, 0x0A]

  /// Recognises a file by its first bytes.
  /// - Throws: ``CheckpointError`` with code `.unknownFormat` when no format matches.
  public static func detect(path: String) throws(CheckpointError) -> CheckpointFormat {
    let file: MappedFile
    do { file = try MappedFile(path: path) } catch { throw CheckpointError(error) }
    return try file.withUnsafeBytes { bytes throws(CheckpointError) in
      let head = Array(bytes.prefix(16))
      if head.starts(with: zipMagic) { return .pytorchZip }
      if head.starts(with: legacyMagic) { return .pytorchLegacy }
      if head.starts(with: hdf5Magic) { return .hdf5 }
      // HDF5 allows a user block of 512, 1024, 2048 … bytes before the signature.
      var offset = 512
      while offset + 8 <= bytes.count && offset <= 1 << 20 {
        if Array(bytes[offset..<(offset + 8)]) == hdf5Magic { return .hdf5 }
        offset *= 2
      }
      if bytes.count >= 9 {
        let length = bytes.loadUnaligned(as: UInt64.self).littleEndian
        if length > 0 && length <= UInt64(SafeTensorsFile.maxHeaderLength)
          && [UInt8(ascii: "{"), 0x20, 0x09, 0x0A, 0x0D].contains(bytes[8]) {
          return .safetensors
        }
      }
      throw CheckpointError(.unknownFormat, file: path,
                            "not safetensors, a PyTorch zip or legacy file, or HDF5 (first bytes \(hex(head.prefix(8))))")
    }
  }

  private static func hex(_ bytes: some Collection<UInt8>) -> String {
    bytes.map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined(separator: " ")
  }
}
