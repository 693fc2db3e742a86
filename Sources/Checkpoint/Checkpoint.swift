import Foundation
import SafeTensors

/// Every tensor of a checkpoint, in the order its files store them, whatever the container.
///
/// `Checkpoint.open` accepts a weights file, a sharded index (`*.index.json`) or a model directory, and
/// recognises each file by content.
public struct Checkpoint: Sendable {
  /// The container format of the weights that were read.
  public let format: CheckpointFormat
  /// The weights file or index that was opened.
  public let path: String
  /// The directory beside the weights, where `config.json` and tokenizer files are looked for.
  public let directory: String
  /// Every weights file read (one, or each shard).
  public let files: [String]
  /// The tensors, file by file, in stored order.
  public let tensors: [SourceTensor]
  /// A single safetensors file's `__metadata__` (a canonical file records its config there, docs/FORMAT.md);
  /// nil for other formats and sharded checkpoints.
  public var metadata: [String: String]? = nil

  /// The weights files a model directory is searched for, by preference.
  public static let directoryCandidates: [(CheckpointFormat.Family, String)] = [
    (.safetensors, "model.safetensors"), (.safetensors, "model.safetensors.index.json"),
    (.pytorch, "pytorch_model.bin"), (.pytorch, "pytorch_model.bin.index.json"),
    (.tf, "tf_model.h5"), (.tf, "tf_model.h5.index.json"),
  ]

  /// Opens `source`: a weights file, a sharded index, or a model directory (preferring safetensors, then
  /// PyTorch, then TF, unless `family` picks one).
  /// - Throws: ``CheckpointError`` naming the file and what is wrong.
  public static func open(_ source: String, from family: CheckpointFormat.Family? = nil) throws(CheckpointError) -> Checkpoint {
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: source, isDirectory: &isDirectory) else {
      throw CheckpointError(.notFound, file: source, "no such file or directory")
    }
    let path = isDirectory.boolValue ? try weightsPath(inDirectory: source, family: family) : source
    let directory = (path as NSString).deletingLastPathComponent
    if path.hasSuffix(".index.json") {
      return try openSharded(indexPath: path, directory: directory.isEmpty ? "." : directory, family: family)
    }
    let format = try CheckpointFormat.detect(path: path)
    if let family, format.family != family {
      throw CheckpointError(.unknownFormat, file: path, "is \(format.rawValue), not \(family.rawValue) as --from asks")
    }
    let (tensors, metadata) = try readFile(path, format: format)
    return Checkpoint(format: format, path: path, directory: directory.isEmpty ? "." : directory, files: [path],
                      tensors: tensors, metadata: metadata)
  }

  static func weightsPath(inDirectory directory: String, family: CheckpointFormat.Family?) throws(CheckpointError) -> String {
    let candidates = directoryCandidates.filter { family == nil || $0.0 == family }
    for (_, name) in candidates {
      let path = directory + "/" + name
      if FileManager.default.fileExists(atPath: path) { return path }
    }
    throw CheckpointError(.notFound, file: directory,
                          "holds none of \(candidates.map(\.1).joined(separator: ", "))")
  }

  /// Reads one weights file of a known format, with its safetensors metadata.
  static func readFile(_ path: String, format: CheckpointFormat) throws(CheckpointError) -> ([SourceTensor], [String: String]?) {
    switch format {
    case .safetensors:
      do {
        let file = try SafeTensorsFile(path: path)
        let tensors = file.tensors.map { SourceTensor(name: $0.name, dtype: $0.dtype, shape: $0.shape, file: path, bytes: MappedTensorBytes($0)) }
        return (tensors, file.metadata)
      } catch {
        throw CheckpointError(error)
      }
    case .pytorchZip, .pytorchLegacy:
      return (try PyTorchReader.read(path: path, format: format), nil)
    case .hdf5:
      return (try HDF5Reader.read(path: path), nil)
    }
  }

  static func openSharded(indexPath: String, directory: String, family: CheckpointFormat.Family?) throws(CheckpointError) -> Checkpoint {
    let index: ShardIndex
    do { index = try ShardIndex(path: indexPath) } catch { throw CheckpointError(error) }
    let firstShard = index.path(ofShard: index.shards[0])
    guard FileManager.default.fileExists(atPath: firstShard) else {
      throw CheckpointError(.shard, file: indexPath, "shard '\(index.shards[0])' is missing")
    }
    let format = try CheckpointFormat.detect(path: firstShard)
    if let family, format.family != family {
      throw CheckpointError(.unknownFormat, file: indexPath, "shards are \(format.rawValue), not \(family.rawValue) as --from asks")
    }
    let tensors: [SourceTensor]
    switch format {
    case .safetensors:
      do {
        let sharded = try ShardedSafeTensors(indexPath: indexPath)
        tensors = sharded.tensors.map {
          SourceTensor(name: $0.name, dtype: $0.dtype, shape: $0.shape, file: $0.file.path, bytes: MappedTensorBytes($0))
        }
      } catch {
        throw CheckpointError(error)
      }
    case .pytorchZip, .pytorchLegacy:
      tensors = try ShardedReader.read(index: index) { path throws(CheckpointError) in
        try PyTorchReader.read(path: path, format: CheckpointFormat.detect(path: path))
      }
    case .hdf5:
      tensors = try HDF5Reader.readSharded(index: index)
    }
    return Checkpoint(format: format, path: indexPath, directory: directory,
                      files: index.shards.map { index.path(ofShard: $0) }, tensors: tensors)
  }
}
