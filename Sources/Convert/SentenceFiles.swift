import Checkpoint
import Foundation
import Models
import SafeTensors
import Support

/// The sentence-transformers pipeline beside a checkpoint, carried into the output (docs/FORMAT.md "Sentence
/// embeddings"): a directory output gets its files and module folders, a single file records it in
/// `__metadata__["sentence_transformers"]`.
enum SentenceFiles {
  /// Files of the model's root copied unchanged when present (with the Transformer's legacy
  /// `sentence_<family>_config.json` names).
  static let rootFiles = ["modules.json", "config_sentence_transformers.json", "sentence_bert_config.json", "README.md"]
    + ["roberta", "distilbert", "camembert", "albert", "xlm-roberta", "xlnet"].map { "sentence_\($0)_config.json" }

  /// The pipeline in `directory`, nil when it has no modules.json.
  /// - Throws: ``ConvertError`` wrapping the config's ``ModelError``; `.unsupported` for a Transformer module in a
  ///   sub-folder (convert that folder).
  static func pipeline(in directory: String) throws(ConvertError) -> SentencePipelineConfig? {
    guard SentencePipelineConfig.exists(in: directory) else { return nil }
    let pipeline: SentencePipelineConfig
    do { pipeline = try SentencePipelineConfig(directory: directory) } catch { throw ConvertError(error) }
    guard pipeline.transformerPath.isEmpty else {
      throw ConvertError(.unsupported, file: directory + "/modules.json",
                         "the Transformer module is in '\(pipeline.transformerPath)/', not beside modules.json; convert that folder")
    }
    return pipeline
  }

  /// The sink factory for a single-file output: the canonical safetensors sink, with the pipeline recorded in
  /// `__metadata__` when `directory` has one.
  /// - Throws: ``ConvertError`` `.unsupported` for a pipeline with a Dense module, whose weights one file cannot hold.
  static func singleFileSink(for directory: String) throws(ConvertError) -> TensorSinkFactory {
    guard let pipeline = try pipeline(in: directory) else { return SafeTensorsSink.factory }
    guard let json = pipeline.metadataJSON else {
      throw ConvertError(.unsupported, file: directory + "/modules.json",
                         "the sentence-transformers pipeline has a Dense module, whose weights a single .safetensors file cannot carry; convert to a directory")
    }
    let text = json.canonicalText
    return { path, tensors, metadata in
      var metadata = metadata
      metadata[SentencePipelineConfig.metadataKey] = text
      return try SafeTensorsSink(path: path, tensors: tensors, metadata: metadata)
    }
  }

  /// Copies the pipeline of `source` into `staging`: the root files, each Pooling folder's config, an empty folder
  /// for Normalize, and each Dense folder's config with its weights (safetensors or PyTorch) rewritten as a
  /// canonical F32 `model.safetensors` (`linear.weight`, then `linear.bias`).
  /// - Throws: ``ConvertError``: `.source` for unreadable or misshapen Dense weights, `.output` for write failures.
  static func copy(_ pipeline: SentencePipelineConfig, from source: String, to staging: String) throws(ConvertError) {
    let fm = FileManager.default
    func copyFile(_ relative: String) throws(ConvertError) {
      let from = source + "/" + relative
      let resolved = URL(fileURLWithPath: from).resolvingSymlinksInPath().path
      guard (try? fm.attributesOfItem(atPath: resolved)[.type] as? FileAttributeType) == .typeRegular else {
        throw ConvertError(.unsupported, file: from, "is not a regular file, so it is not copied into the output")
      }
      guard let attributes = try? fm.attributesOfItem(atPath: resolved), let size = attributes[.size] as? Int,
            size <= ModelConfig.maxFileSize else {
        throw ConvertError(.unsupported, file: from, "is larger than \(ModelConfig.maxFileSize) bytes, too large for a sentence-transformers config")
      }
      do { try fm.copyItem(atPath: resolved, toPath: staging + "/" + relative) } catch {
        throw ConvertError(.output, file: staging + "/" + relative, error.localizedDescription)
      }
    }
    func makeFolder(_ relative: String) throws(ConvertError) {
      do { try fm.createDirectory(atPath: staging + "/" + relative, withIntermediateDirectories: true) } catch {
        throw ConvertError(.output, file: staging + "/" + relative, error.localizedDescription)
      }
    }
    for name in rootFiles where fm.fileExists(atPath: source + "/" + name) { try copyFile(name) }
    for module in pipeline.modules where !module.path.isEmpty {
      switch module.kind {
      case .transformer, .dropout:
        try makeFolder(module.path)
      case .normalize:
        try makeFolder(module.path)
      case .pooling:
        try makeFolder(module.path)
        try copyFile(module.path + "/config.json")
      case .dense(let config):
        try makeFolder(module.path)
        try copyFile(module.path + "/config.json")
        try writeDense(config, from: source + "/" + module.path, to: staging + "/" + module.path + "/model.safetensors")
      }
    }
  }

  /// A Dense module's weights as a canonical F32 safetensors file.
  static func writeDense(_ config: DenseConfig, from folder: String, to path: String) throws(ConvertError) {
    let candidates = ["model.safetensors", "pytorch_model.bin"].map { folder + "/" + $0 }
    guard let weights = candidates.first(where: { FileManager.default.fileExists(atPath: $0) }) else {
      throw ConvertError(.source, file: folder, "the Dense module has neither model.safetensors nor pytorch_model.bin")
    }
    let checkpoint: Checkpoint
    do { checkpoint = try Checkpoint.open(weights) } catch { throw ConvertError(.source, wrapping: error, file: weights) }
    var expected: [(String, [Int])] = [("linear.weight", [config.outFeatures, config.inFeatures])]
    if config.bias { expected.append(("linear.bias", [config.outFeatures])) }
    for tensor in checkpoint.tensors where !expected.contains(where: { $0.0 == tensor.name }) {
      throw ConvertError(.source, file: tensor.file, tensor: tensor.name, "unexpected tensor in a Dense module")
    }
    var tensors: [SourceTensor] = []
    for (name, shape) in expected {
      guard let tensor = checkpoint.tensors.first(where: { $0.name == name }) else {
        throw ConvertError(.source, file: weights, tensor: name, "missing from the Dense module")
      }
      guard tensor.shape == shape, [.f32, .f16, .bf16, .f64].contains(tensor.dtype) else {
        throw ConvertError(.source, file: weights, tensor: name, "is \(tensor.dtype.rawValue) \(tensor.shape), the Dense config needs a float tensor of \(shape)")
      }
      tensors.append(tensor)
    }
    do {
      let writer = try SafeTensorsWriter(path: path, tensors: tensors.map { TensorHeader(name: $0.name, dtype: .f32, shape: $0.shape) },
                                         metadata: ["format": "pt"])
      for tensor in tensors {
        let count = tensor.elementCount
        var floats = [UInt8](repeating: 0, count: count * 4)
        try tensor.withContiguousBytes { bytes in
          floats.withUnsafeMutableBytes { out in _ = DTypeCast.convert(bytes, from: tensor.dtype, to: .f32, into: out, count: count) }
        }
        try floats.withUnsafeBytes { try writer.write($0) }
      }
      try writer.finish()
    } catch let error as ConvertError {
      throw error
    } catch let error as any ContextualError {
      throw ConvertError(.output, wrapping: error, file: path)
    } catch {
      throw ConvertError(.output, file: path, "\(error)")
    }
  }
}

extension SentenceFiles {
  /// The sub-folders of `staging` (the module folders a pipeline copy made).
  static func folders(in staging: String) -> [String] {
    OutputPath.entries(of: staging).filter { name in
      !name.hasPrefix(".") && (try? FileManager.default.attributesOfItem(atPath: staging + "/" + name)[.type] as? FileAttributeType) == .typeDirectory
    }.sorted()
  }

  /// Removes one module folder: the regular files in it, then the folder (nothing else is followed or removed).
  static func removeFolder(_ path: String) {
    let fm = FileManager.default
    for entry in OutputPath.entries(of: path) where (try? fm.attributesOfItem(atPath: path + "/" + entry)[.type] as? FileAttributeType) == .typeRegular {
      try? fm.removeItem(atPath: path + "/" + entry)
    }
    try? fm.removeItem(atPath: path)  // fails, leaving it, unless now empty
  }

  /// Moves each module folder of `staging` into the existing output `directory`, replacing a folder of the same
  /// name (which is kept aside until the new one is in place), so converting again with `--force` works.
  /// - Throws: ``ConvertError`` `.output` naming the folder.
  static func publishFolders(from staging: String, into directory: String) throws(ConvertError) {
    let fm = FileManager.default
    for name in folders(in: staging) {
      let target = directory + "/" + name
      var kept: String?
      if let type = try? fm.attributesOfItem(atPath: target)[.type] as? FileAttributeType {
        guard type == .typeDirectory else { throw ConvertError(.output, file: target, "is not a folder, so it is not replaced by the module folder") }
        let backup = directory + "/." + name + ".old-\(ProcessInfo.processInfo.processIdentifier)-\(UInt32.random(in: 0...UInt32.max))"
        do { try fm.moveItem(atPath: target, toPath: backup) } catch { throw ConvertError(.output, file: target, error.localizedDescription) }
        kept = backup
      }
      do {
        try fm.moveItem(atPath: staging + "/" + name, toPath: target)
      } catch {
        if let kept { try? fm.moveItem(atPath: kept, toPath: target) }
        throw ConvertError(.output, file: target, error.localizedDescription)
      }
      if let kept { removeFolder(kept) }
    }
  }
}
