import Checkpoint
import Foundation
import Models
import SafeTensors
import Support

/// `bert-convert SOURCE -o OUT`: a checkpoint in, a canonical file (or a transformers-loadable directory) out.
public enum Conversion {
  /// Tokenizer files copied beside the weights when the output is a directory.
  public static let tokenizerFiles = ["vocab.txt", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json"]

  /// Opens `source` and maps it onto canonical names, reading the `config.json` beside it.
  /// - Throws: ``CheckpointError`` for unreadable checkpoints, ``ConvertError`` for configs and tensors that do
  ///   not fit a family's table.
  public static func plan(source: String, from family: CheckpointFormat.Family? = nil) throws -> (Checkpoint, ModelPlan) {
    let checkpoint = try Checkpoint.open(source, from: family)
    do {
      let config = try ModelConfig(path: checkpoint.directory + "/config.json")
      return (checkpoint, try ParameterMap.plan(checkpoint, config: config))
    } catch {
      throw ConvertError(error)
    }
  }

  /// Converts `source` to `output`: a `.safetensors` path gets the canonical file alone; any other path becomes a
  /// directory with `model.safetensors`, `config.json` and the tokenizer files found beside the source.
  /// Nothing is left at `output` on failure; an existing `output` is replaced only when `force` is set.
  /// With `shardSize`, the directory gets `model-0000i-of-0000N.safetensors` shards of at most that many bytes
  /// and `model.safetensors.index.json` instead of one `model.safetensors`; the report then describes the index.
  /// - Throws: ``CheckpointError`` or ``ConvertError``.
  @discardableResult
  public static func run(source: String, output: String, dtype: TargetDType = .keep,
                         from family: CheckpointFormat.Family? = nil, force: Bool = false,
                         shardSize: Int? = nil, progress: ConversionProgress? = nil) throws -> ConversionReport {
    let fm = FileManager.default
    if fm.fileExists(atPath: output) && !force {
      throw ConvertError(.output, file: output, "already exists (use --force to replace it)")
    }
    if shardSize != nil && output.hasSuffix(".safetensors") {
      throw ConvertError(.output, file: output, "--shard-size needs a directory output, not a .safetensors file")
    }
    let (checkpoint, plan) = try plan(source: source, from: family)
    if output.hasSuffix(".safetensors") {
      // A sentence-transformers pipeline beside the source is recorded in __metadata__ (docs/FORMAT.md).
      let sink = try SentenceFiles.singleFileSink(for: checkpoint.directory)
      return try CanonicalWriter.write(plan, dtype: dtype, to: output, sink: sink, progress: progress)
    }
    let sentencePipeline = try SentenceFiles.pipeline(in: checkpoint.directory)

    let url = URL(fileURLWithPath: output).standardizedFileURL
    let parent = url.deletingLastPathComponent().path
    let staging = parent + "/." + url.lastPathComponent + ".tmp-" + UUID().uuidString.prefix(8)
    do {
      try fm.createDirectory(atPath: staging, withIntermediateDirectories: false)
    } catch {
      throw ConvertError(.output, file: output, "cannot create a directory beside it: \(error.localizedDescription)")
    }
    var committed = false
    defer { if !committed { try? fm.removeItem(atPath: staging) } }

    // Errors inside the hidden staging directory (removed on the way out) name the directory the user asked for.
    func relabel(_ error: ConvertError) -> ConvertError {
      guard error.code == .output, error.file.hasPrefix(staging + "/") else { return error }
      return ConvertError(.output, file: output, "\(error.file.dropFirst(staging.count + 1)): \(error.detail)")
    }
    var report: ConversionReport
    do throws(ConvertError) {
      if let shardSize {
        report = try CanonicalWriter.writeSharded(plan, dtype: dtype, maxBytes: shardSize, into: staging, progress: progress)
      } else {
        report = try CanonicalWriter.write(plan, dtype: dtype, to: staging + "/model.safetensors", progress: progress)
      }
    } catch {
      throw relabel(error)
    }
    // Tokenizer files are copied as the regular files they are or link to (a hub cache snapshot holds only
    // symlinks into its blobs, which would dangle if copied as links); anything else is refused.
    var copies: [(from: String, to: String)] = []
    for name in tokenizerFiles where fm.fileExists(atPath: checkpoint.directory + "/" + name) {
      let source = checkpoint.directory + "/" + name
      let resolved = URL(fileURLWithPath: source).resolvingSymlinksInPath().path
      guard (try? fm.attributesOfItem(atPath: resolved)[.type] as? FileAttributeType) == .typeRegular else {
        throw ConvertError(.unsupported, file: source, "is not a regular file, so it is not copied into the output")
      }
      copies.append((resolved, staging + "/" + name))
    }
    if let sentencePipeline {
      do throws(ConvertError) { try SentenceFiles.copy(sentencePipeline, from: checkpoint.directory, to: staging) } catch { throw relabel(error) }
    }
    do {
      try AtomicFile.write(Array((plan.config.canonicalJSON + "\n").utf8), to: staging + "/config.json")
      for (from, to) in copies {
        try fm.copyItem(atPath: from, toPath: to)
      }
      if fm.fileExists(atPath: output) {
        let old = parent + "/." + url.lastPathComponent + ".old-" + UUID().uuidString.prefix(8)
        try fm.moveItem(atPath: output, toPath: old)
        try fm.moveItem(atPath: staging, toPath: output)
        try? fm.removeItem(atPath: old)
      } else {
        try fm.moveItem(atPath: staging, toPath: output)
      }
      committed = true
    } catch {
      throw ConvertError(.output, file: output, error.localizedDescription)
    }
    report.path = output + (shardSize == nil ? "/model.safetensors" : "/model.safetensors.index.json")
    return report
  }
}

extension Conversion {
  /// Parses a size as transformers' `max_shard_size` does: a byte count, or a number with KB/MB/GB (powers of
  /// 1000) or KiB/MiB/GiB (powers of 1024).
  public static func parseSize(_ text: String) -> Int? {
    let units: [(String, Double)] = [("GIB", 1_073_741_824), ("MIB", 1_048_576), ("KIB", 1024), ("GB", 1e9), ("MB", 1e6), ("KB", 1e3), ("B", 1)]
    let upper = text.uppercased().trimmingCharacters(in: .whitespaces)
    for (suffix, scale) in units where upper.hasSuffix(suffix) {
      guard let value = Double(upper.dropLast(suffix.count).trimmingCharacters(in: .whitespaces)), value > 0 else { return nil }
      let bytes = value * scale
      return bytes < 1e15 ? Int(bytes) : nil
    }
    return Int(upper).flatMap { $0 > 0 ? $0 : nil }
  }
}
