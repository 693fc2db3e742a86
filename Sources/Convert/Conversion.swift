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
  /// With `shardSize`, the directory gets `model-0000i-of-0000N.safetensors` shards of at most that many bytes
  /// and `model.safetensors.index.json` instead of one `model.safetensors`; the report then describes the index.
  ///
  /// The output rules (docs/SECURITY.md): without `force` nothing existing is touched, checked again by the final
  /// rename itself (which never replaces); with `force` a file output is replaced atomically, and a directory
  /// output keeps every file but the ones a conversion writes (``isOutputFileName(_:)``). A device, FIFO or socket at
  /// `output`, or an `output` that is the source, inside its directory or holding it (compared by device and
  /// inode) is refused. Missing parent directories are created (and removed again on failure); a failure
  /// leaves `output` as it was; leftovers of killed runs for the same `output` are removed first.
  /// - Throws: ``CheckpointError`` or ``ConvertError``.
  @discardableResult
  public static func run(source: String, output: String, dtype: TargetDType = .keep,
                         from family: CheckpointFormat.Family? = nil, force: Bool = false,
                         shardSize: Int? = nil, progress: ConversionProgress? = nil) throws -> ConversionReport {
    try checkOutputName(output)
    let asFile = output.hasSuffix(".safetensors")
    if shardSize != nil && asFile {
      throw ConvertError(.output, file: output, "--shard-size needs a directory output, not a .safetensors file")
    }
    // Every operation uses the absolute path (so `-o .` has a name to stage beside); errors name `output`.
    let target = URL(fileURLWithPath: output).standardizedFileURL.path
    let existing: OutputPath.Existing
    do { existing = try OutputPath.existing(target) } catch { throw ConvertError(.output, file: output, error.detail) }
    if existing != .nothing && !force {
      throw ConvertError(.output, file: output, "already exists (use --force to replace it)")
    }
    if asFile && existing == .directory {
      throw ConvertError(.output, file: output, "is a directory; a .safetensors output is one file")
    }
    if !asFile && existing == .file {
      throw ConvertError(.output, file: output, "exists and is not a directory, so it is not replaced by one")
    }
    let (checkpoint, plan) = try plan(source: source, from: family)
    try refuseOverlap(output: output, target: target, checkpoint: checkpoint)
    // A sentence-transformers pipeline beside the source: a directory output carries its files, a single file
    // records it in __metadata__ (docs/FORMAT.md).
    let sentencePipeline = try SentenceFiles.pipeline(in: checkpoint.directory)
    let fileSink = asFile ? try SentenceFiles.singleFileSink(for: checkpoint.directory) : SafeTensorsSink.factory

    let createdParents: [String]
    do { createdParents = try OutputPath.createParents(of: target) } catch { throw ConvertError(.output, file: output, error.detail) }
    // Parents made for this output go again if it fails or a signal ends the run (each only when empty).
    let parentRegistrations = createdParents.map(TemporaryFiles.registerCreatedDirectory)
    var committed = false
    defer {
      if !committed { OutputPath.removeCreated(createdParents) }
      for registration in parentRegistrations { registration.unregister() }
    }
    OutputPath.removeStaleTemporaries(of: target)
    if existing == .directory { OutputPath.removeStaleTemporaries(named: URL(fileURLWithPath: target).lastPathComponent, in: target) }

    // Everything is written into a hidden staging directory beside `output` (inside it when it is a directory
    // that exists), registered for removal on SIGINT/SIGTERM and removed on every way out.
    let staging: String
    let registration: TemporaryFiles.Registration
    do {
      (staging, registration) = try OutputPath.makeStagingDirectory(for: target, in: existing == .directory ? target : nil)
    } catch {
      throw ConvertError(.output, file: output, "cannot create a directory beside it: \(error.detail)")
    }
    defer {
      OutputPath.removeStagingDirectory(staging)
      registration.unregister()
    }
    // Runs first: module folders of a sentence-transformers pipeline left in the staging directory.
    defer { for folder in SentenceFiles.folders(in: staging) { SentenceFiles.removeFolder(staging + "/" + folder) } }

    // Errors inside the hidden staging directory (removed on the way out) name the output the user asked for.
    func relabel(_ error: ConvertError) -> ConvertError {
      guard error.code == .output, error.file.hasPrefix(staging + "/") else { return error }
      let inside = String(error.file.dropFirst(staging.count + 1))
      return asFile ? ConvertError(.output, file: output, error.detail)
        : ConvertError(.output, file: output, "\(inside): \(error.detail)")
    }
    var report: ConversionReport
    do throws(ConvertError) {
      if let shardSize {
        report = try CanonicalWriter.writeSharded(plan, dtype: dtype, maxBytes: shardSize, into: staging, progress: progress)
      } else {
        report = try CanonicalWriter.write(plan, dtype: dtype, to: staging + "/model.safetensors", sink: fileSink, progress: progress)
      }
    } catch {
      throw relabel(error)
    }
    if asFile {
      do {
        try OutputPath.publish(staging + "/model.safetensors", at: target, replacing: force)
      } catch {
        throw ConvertError(.output, file: output, error.detail)
      }
      committed = true
      OutputPath.removeStagingDirectory(staging)
      OutputPath.fsyncDirectory(OutputPath.parent(of: target))
      report.path = output
      return report
    }

    // Tokenizer files are copied as the regular files they are or link to (a hub cache snapshot holds only
    // symlinks into its blobs, which would dangle if copied as links); anything else is refused.
    let fm = FileManager.default
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
      try AtomicFile.write(Array(plan.config.fileText.utf8), to: staging + "/config.json")
      for (from, to) in copies {
        try fm.copyItem(atPath: from, toPath: to)
      }
    } catch let error as SafeTensorsError {
      throw relabel(ConvertError(.output, file: error.file, error.detail))
    } catch {
      throw ConvertError(.output, file: output, error.localizedDescription)
    }
    do {
      if existing == .directory {
        let folders = SentenceFiles.folders(in: staging)
        let written = OutputPath.entries(of: staging).filter { !$0.hasPrefix(".") && !folders.contains($0) }.sorted()
        let present = Set(OutputPath.entries(of: target))
        let stale = present.filter { isOutputFileName($0) && !written.contains($0) }.sorted()
        try OutputPath.replaceFiles(written, from: staging, into: target, removing: stale)
      } else {
        try TemporaryFiles.withSignalsDeferred { () throws(SafeTensorsError) in
          try OutputPath.publish(staging, at: target, replacing: false)
          registration.unregister()
        }
        OutputPath.fsyncDirectory(OutputPath.parent(of: target))
      }
      committed = true
    } catch {
      throw ConvertError(.output, file: output, error.detail)
    }
    if existing == .directory { try SentenceFiles.publishFolders(from: staging, into: target) }
    report.path = output + (shardSize == nil ? "/model.safetensors" : "/model.safetensors.index.json")
    return report
  }

  /// The names a directory output may hold that a conversion writes: the weights (one file, or an index and
  /// `model-NNNNN-of-NNNNN.safetensors` shards), `config.json` and ``tokenizerFiles``. With `--force`, these are
  /// replaced, and those the new conversion does not write are removed (so the directory holds one model, not
  /// the new weights beside another model's tokenizer or shards); every other file is kept.
  public static func isOutputFileName(_ name: String) -> Bool {
    if ["model.safetensors", "model.safetensors.index.json", "config.json"].contains(name) || tokenizerFiles.contains(name) {
      return true
    }
    // model-00001-of-00003.safetensors, as CanonicalWriter.writeSharded names shards.
    let parts = name.split(separator: "-", omittingEmptySubsequences: false)
    return parts.count == 4 && parts[0] == "model" && parts[2] == "of" && parts[3].hasSuffix(".safetensors")
      && !parts[1].isEmpty && parts[1].allSatisfy(\.isNumber)
      && parts[3].dropLast(".safetensors".count).allSatisfy(\.isNumber) && parts[3].count > ".safetensors".count
  }

  /// Refuses an output that is the source or would overwrite it: a directory output equal to the source's
  /// directory, inside it or holding it; a file output that is one of the files read. Compared by device and
  /// inode after resolving symlinks, so no spelling of a path gets around it.
  static func refuseOverlap(output: String, target: String, checkpoint: Checkpoint) throws(ConvertError) {
    let sourceDirectory = URL(fileURLWithPath: checkpoint.directory).standardizedFileURL.resolvingSymlinksInPath().path
    guard let sourceID = FileIdentity(path: sourceDirectory) else { return }
    let resolved = URL(fileURLWithPath: target).resolvingSymlinksInPath().path
    if target.hasSuffix(".safetensors") {
      guard let outputID = FileIdentity(path: resolved) else { return }
      let read = checkpoint.files + [checkpoint.directory + "/config.json"] + tokenizerFiles.map { checkpoint.directory + "/" + $0 }
      if let file = read.first(where: { FileIdentity(path: $0) == outputID }) {
        throw ConvertError(.output, file: output, "is the source file '\(file)'; write the output elsewhere")
      }
      return
    }
    // OUT equal to the source directory or inside it: the source directory is OUT or one of its ancestors.
    var current = resolved
    while true {
      if FileIdentity(path: current) == sourceID {
        throw ConvertError(.output, file: output, current == resolved && FileIdentity(path: resolved) != nil
                           ? "is the source directory; write the output elsewhere"
                           : "is inside the source directory '\(checkpoint.directory)'; write the output elsewhere")
      }
      let up = (current as NSString).deletingLastPathComponent
      if up == current || up.isEmpty { break }
      current = up
    }
    // OUT holding the source: OUT is one of the source directory's ancestors.
    guard let outputID = FileIdentity(path: resolved) else { return }
    current = sourceDirectory
    while true {
      let up = (current as NSString).deletingLastPathComponent
      if up == current || up.isEmpty { break }
      current = up
      if FileIdentity(path: current) == outputID {
        throw ConvertError(.output, file: output, "holds the source directory '\(checkpoint.directory)'; write the output elsewhere")
      }
    }
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
