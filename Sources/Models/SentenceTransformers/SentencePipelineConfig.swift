import Foundation
import SafeTensors
import Support

/// A sentence-transformers pooling mode, spelled as sentence-transformers 5.x spells it in `pooling_mode`.
public enum PoolingMode: String, CaseIterable, Sendable {
  case cls, max, mean
  case meanSqrtLen = "mean_sqrt_len_tokens"
  case weightedmean, lasttoken

  /// The legacy (≤ 5.3) boolean keys of `1_Pooling/config.json`, in the order their modes are concatenated.
  public static let legacyKeys: [(key: String, mode: PoolingMode)] = [
    ("pooling_mode_cls_token", .cls), ("pooling_mode_max_tokens", .max), ("pooling_mode_mean_tokens", .mean),
    ("pooling_mode_mean_sqrt_len_tokens", .meanSqrtLen), ("pooling_mode_weightedmean_tokens", .weightedmean),
    ("pooling_mode_lasttoken", .lasttoken),
  ]
}

/// `N_Pooling/config.json`: which token vectors make the sentence embedding.
public struct PoolingConfig: Sendable, Equatable {
  /// The width of the token embeddings it pools.
  public var embeddingDimension: Int
  /// The modes, concatenated in this order (output width = modes × embeddingDimension).
  public var modes: [PoolingMode]
  /// False: prompt tokens are left out of the pooling (no prompt is ever prepended here, so it changes nothing).
  public var includePrompt: Bool

  public init(embeddingDimension: Int, modes: [PoolingMode], includePrompt: Bool = true) {
    self.embeddingDimension = embeddingDimension
    self.modes = modes
    self.includePrompt = includePrompt
  }

  /// Reads both generations of the file (sentence-transformers 5.7 `pooling.py`): `embedding_dimension` +
  /// `pooling_mode` (a name or a list), or the legacy `word_embedding_dimension` + `pooling_mode_*` flags, whose
  /// active modes are taken in the order cls, max, mean, mean_sqrt_len_tokens, weightedmean, lasttoken (none
  /// active: mean). `pooling_mode` wins over legacy flags; unknown keys are refused, as the constructor does.
  /// - Throws: ``ModelError`` `.config`.
  public init(json: JSONValue, path: String) throws(ModelError) {
    guard let members = json.objectValue else { throw ModelError(.config, file: path, "not a JSON object") }
    let legacy = Set(PoolingMode.legacyKeys.map(\.key))
    let known: Set<String> = ["embedding_dimension", "word_embedding_dimension", "pooling_mode", "include_prompt"]
    if let unknown = members.first(where: { !known.contains($0.0) && !legacy.contains($0.0) }) {
      throw ModelError(.config, file: path, "unknown key '\(unknown.0)' in a Pooling config")
    }
    let dimensionValue = json["embedding_dimension"] ?? json["word_embedding_dimension"]
    guard let dimensionValue else { throw ModelError(.config, file: path, "the Pooling config lacks embedding_dimension") }
    embeddingDimension = try SentencePipelineConfig.positive(dimensionValue, key: "embedding_dimension", path: path)

    if let mode = json["pooling_mode"] {
      func named(_ value: JSONValue) throws(ModelError) -> PoolingMode {
        guard let text = value.stringValue, let mode = PoolingMode(rawValue: text) else {
          throw ModelError(.config, file: path, "pooling_mode \(value.canonicalText) is not one of "
                             + PoolingMode.allCases.map { "'\($0.rawValue)'" }.joined(separator: ", "))
        }
        return mode
      }
      if let list = mode.arrayValue {
        guard !list.isEmpty, list.count <= 16 else {
          throw ModelError(.config, file: path, "pooling_mode lists \(list.count) modes (1 to 16 allowed)")
        }
        var modes: [PoolingMode] = []
        for item in list { modes.append(try named(item)) }
        self.modes = modes
      } else {
        modes = [try named(mode)]
      }
    } else {
      var modes: [PoolingMode] = []
      for (key, mode) in PoolingMode.legacyKeys {
        guard let value = json[key] else { continue }
        guard let flag = value.boolValue else { throw ModelError(.config, file: path, "\(key) is \(value.canonicalText), not true or false") }
        if flag { modes.append(mode) }
      }
      self.modes = modes.isEmpty ? [.mean] : modes
    }
    if let value = json["include_prompt"] {
      guard let flag = value.boolValue else { throw ModelError(.config, file: path, "include_prompt is \(value.canonicalText), not true or false") }
      includePrompt = flag
    } else {
      includePrompt = true
    }
  }

  /// The config as sentence-transformers 5.7 writes it.
  public var json: JSONValue {
    .object([
      ("embedding_dimension", .number(String(embeddingDimension))),
      ("pooling_mode", modes.count == 1 ? .string(modes[0].rawValue) : .array(modes.map { .string($0.rawValue) })),
      ("include_prompt", .bool(includePrompt)),
    ])
  }
}

/// `N_Dense/config.json`: y = activation(W·x + b) on one feature of the pipeline.
public struct DenseConfig: Sendable, Equatable {
  public var inFeatures: Int
  public var outFeatures: Int
  public var bias: Bool
  /// The activation's full Python name as written (`torch.nn.modules.activation.Tanh`); nil when absent (Tanh).
  public var activationFunction: String?
  /// The feature read and written: `sentence_embedding` (the default) or `token_embeddings`.
  public var inputName: String
  public var outputName: String

  /// The features a module may read or write.
  public static let featureNames: Set<String> = ["sentence_embedding", "token_embeddings"]

  /// - Throws: ``ModelError`` `.config`.
  public init(json: JSONValue, path: String) throws(ModelError) {
    guard let members = json.objectValue else { throw ModelError(.config, file: path, "not a JSON object") }
    let known: Set<String> = ["in_features", "out_features", "bias", "activation_function", "module_input_name", "module_output_name"]
    if let unknown = members.first(where: { !known.contains($0.0) }) {
      throw ModelError(.config, file: path, "unknown key '\(unknown.0)' in a Dense config")
    }
    func required(_ key: String) throws(ModelError) -> Int {
      guard let value = json[key] else { throw ModelError(.config, file: path, "the Dense config lacks \(key)") }
      return try SentencePipelineConfig.positive(value, key: key, path: path)
    }
    inFeatures = try required("in_features")
    outFeatures = try required("out_features")
    guard inFeatures.multipliedReportingOverflow(by: outFeatures).partialValue <= 1 << 28,
          !inFeatures.multipliedReportingOverflow(by: outFeatures).overflow else {
      throw ModelError(.config, file: path, "a Dense layer of \(inFeatures) × \(outFeatures) is larger than the limit of 2^28 weights")
    }
    if let value = json["bias"] {
      guard let flag = value.boolValue else { throw ModelError(.config, file: path, "bias is \(value.canonicalText), not true or false") }
      bias = flag
    } else {
      bias = true
    }
    switch json["activation_function"] {
    case nil, .null?: activationFunction = nil
    case .string(let name)?: activationFunction = name
    case let other?: throw ModelError(.config, file: path, "activation_function is \(other.canonicalText), not a string")
    }
    func feature(_ key: String, default value: String) throws(ModelError) -> String {
      guard let given = json[key], given != .null else { return value }
      guard let name = given.stringValue, DenseConfig.featureNames.contains(name) else {
        throw ModelError(.config, file: path, "\(key) is \(given.canonicalText), not 'sentence_embedding' or 'token_embeddings'")
      }
      return name
    }
    inputName = try feature("module_input_name", default: "sentence_embedding")
    outputName = try feature("module_output_name", default: inputName)
  }
}

/// One entry of `modules.json`.
public struct SentenceModule: Sendable, Equatable {
  public enum Kind: Sendable, Equatable {
    case transformer
    case pooling(PoolingConfig)
    case dense(DenseConfig)
    case normalize
    /// Inactive at inference.
    case dropout
  }

  public var idx: Int
  public var name: String
  /// The folder relative to the model directory ("" for a module saved in the root).
  public var path: String
  /// The class as modules.json names it.
  public var type: String
  public var kind: Kind

  /// The class name a `type` ends with: `sentence_transformers.models.Pooling` (hub models, ≤ 5.3) and
  /// `sentence_transformers.sentence_transformer.modules.pooling.Pooling` (≥ 5.4) both give `Pooling`.
  public static func className(of type: String) -> String {
    String(type.split(separator: ".", omittingEmptySubsequences: false).last ?? "")
  }
}

/// A model directory's sentence-transformers pipeline: `modules.json` in order, with each module's config, and
/// the Transformer module's `sentence_bert_config.json` (README "Sentence embeddings", docs/FORMAT.md).
public struct SentencePipelineConfig: Sendable, Equatable {
  public var modules: [SentenceModule]
  /// Inputs are truncated to this many tokens (specials included); nil: min(max_position_embeddings, the
  /// tokenizer's model_max_length).
  public var maxSeqLength: Int?
  /// Lowercase the text before tokenizing.
  public var doLowerCase: Bool
  /// `config_sentence_transformers.json`'s `similarity_fn_name` (nil: cosine).
  public var similarityFunction: String?
  /// The prompt `encode()` prepends to every text: `prompts[default_prompt_name]` of
  /// config_sentence_transformers.json (nil when `default_prompt_name` is null or absent).
  public var defaultPrompt: String? = nil

  public init(modules: [SentenceModule], maxSeqLength: Int? = nil, doLowerCase: Bool = false, similarityFunction: String? = nil) {
    self.modules = modules
    self.maxSeqLength = maxSeqLength
    self.doLowerCase = doLowerCase
    self.similarityFunction = similarityFunction
  }

  /// What sentence-transformers builds for a plain transformers directory: the encoder, then mean pooling.
  public static func plainMean(hiddenSize: Int) -> SentencePipelineConfig {
    SentencePipelineConfig(modules: [
      SentenceModule(idx: 0, name: "0", path: "", type: "sentence_transformers.models.Transformer", kind: .transformer),
      SentenceModule(idx: 1, name: "1", path: "1_Pooling", type: "sentence_transformers.models.Pooling",
                     kind: .pooling(PoolingConfig(embeddingDimension: hiddenSize, modes: [.mean]))),
    ])
  }

  /// The most modules a pipeline may list.
  public static let maxModules = 64
  /// The largest dimension a config may state.
  public static let maxDimension = 1 << 20

  /// The Transformer module's folder.
  public var transformerPath: String {
    modules.first { $0.kind == .transformer }?.path ?? ""
  }

  /// True when `directory` holds a `modules.json`.
  public static func exists(in directory: String) -> Bool {
    FileManager.default.fileExists(atPath: directory + "/modules.json")
  }

  /// Reads `directory/modules.json` and every module's config. A module is recognised by the class name its
  /// `type` ends with (Transformer, Pooling, Dense, Normalize, Dropout), whatever the module path before it.
  /// - Throws: ``ModelError`` `.config` naming the file and the problem, `.unsupported` for a module class this
  ///   project does not run.
  public init(directory: String) throws(ModelError) {
    let listPath = directory + "/modules.json"
    let list = try SentencePipelineConfig.readJSON(listPath)
    guard let entries = list.arrayValue else { throw ModelError(.config, file: listPath, "not a JSON array") }
    guard !entries.isEmpty, entries.count <= SentencePipelineConfig.maxModules else {
      throw ModelError(.config, file: listPath, "lists \(entries.count) modules (1 to \(SentencePipelineConfig.maxModules) allowed)")
    }
    var modules: [SentenceModule] = []
    for (position, entry) in entries.enumerated() {
      let at = "\(listPath) (module \(position))"
      guard entry.objectValue != nil else { throw ModelError(.config, file: at, "not a JSON object") }
      guard let type = entry["type"]?.stringValue else { throw ModelError(.config, file: at, "lacks a string 'type'") }
      let path = entry["path"]?.stringValue ?? ""
      if entry["path"] != nil && entry["path"]?.stringValue == nil { throw ModelError(.config, file: at, "'path' is not a string") }
      try SentencePipelineConfig.checkRelative(path, file: at)
      let idx = entry["idx"]?.intValue ?? position
      let name = entry["name"]?.stringValue ?? String(idx)
      let folder = path.isEmpty ? directory : directory + "/" + path
      let kind: SentenceModule.Kind
      switch SentenceModule.className(of: type) {
      case "Transformer":
        guard modules.isEmpty else { throw ModelError(.unsupported, file: at, "a Transformer module must come first") }
        kind = .transformer
      case "Pooling":
        let file = folder + "/config.json"
        kind = .pooling(try PoolingConfig(json: try SentencePipelineConfig.readJSON(file), path: file))
      case "Dense":
        let file = folder + "/config.json"
        kind = .dense(try DenseConfig(json: try SentencePipelineConfig.readJSON(file), path: file))
      case "Normalize":
        kind = .normalize
      case "Dropout":
        kind = .dropout
      default:
        throw ModelError(.unsupported, file: at, "module type '\(type)' is not supported (Transformer, Pooling, Dense, Normalize, Dropout)")
      }
      if position == 0 && kind != .transformer {
        throw ModelError(.unsupported, file: at, "the first module is '\(type)', not a Transformer")
      }
      modules.append(SentenceModule(idx: idx, name: name, path: path, type: type, kind: kind))
    }
    self.modules = modules

    // sentence_bert_config.json (or a legacy sentence_<family>_config.json) in the Transformer's folder.
    let transformerFolder = modules[0].path.isEmpty ? directory : directory + "/" + modules[0].path
    let names = ["sentence_bert_config.json"] + ["roberta", "distilbert", "camembert", "albert", "xlm-roberta", "xlnet"].map { "sentence_\($0)_config.json" }
    maxSeqLength = nil
    doLowerCase = false
    if let file = names.map({ transformerFolder + "/" + $0 }).first(where: { FileManager.default.fileExists(atPath: $0) }) {
      let json = try SentencePipelineConfig.readJSON(file)
      guard json.objectValue != nil else { throw ModelError(.config, file: file, "not a JSON object") }
      switch json["max_seq_length"] {
      case nil, .null?: maxSeqLength = nil
      case let value?: maxSeqLength = try SentencePipelineConfig.positive(value, key: "max_seq_length", path: file)
      }
      if let value = json["do_lower_case"] {
        guard let flag = value.boolValue else { throw ModelError(.config, file: file, "do_lower_case is \(value.canonicalText), not true or false") }
        doLowerCase = flag
      }
    }
    // Since 5.4 max_seq_length is saved as the tokenizer's model_max_length instead; the tokenizer reads that.
    let stConfig = directory + "/config_sentence_transformers.json"
    similarityFunction = nil
    if FileManager.default.fileExists(atPath: stConfig) {
      let json = try SentencePipelineConfig.readJSON(stConfig)
      guard json.objectValue != nil else { throw ModelError(.config, file: stConfig, "not a JSON object") }
      switch json["similarity_fn_name"] {
      case nil, .null?: break
      case .string(let name)? where ["cosine", "dot", "euclidean", "manhattan"].contains(name): similarityFunction = name
      case let other?: throw ModelError(.config, file: stConfig, "similarity_fn_name \(other.canonicalText) is not cosine, dot, euclidean or manhattan")
      }
      switch json["default_prompt_name"] {
      case nil, .null?: break
      case .string(let name)?:
        // sentence-transformers refuses a default prompt name that names no prompt.
        guard let prompt = json["prompts"]?[name]?.stringValue else {
          throw ModelError(.config, file: stConfig, "default_prompt_name '\(name)' is not one of the prompts")
        }
        defaultPrompt = prompt.isEmpty ? nil : prompt
      case let other?: throw ModelError(.config, file: stConfig, "default_prompt_name is \(other.canonicalText), not a string")
      }
    }
  }

  /// Every folder a module other than the Transformer keeps its files in (in pipeline order, without repeats).
  public var moduleFolders: [String] {
    var seen: Set<String> = []
    return modules.compactMap { $0.kind == .transformer || $0.path.isEmpty || !seen.insert($0.path).inserted ? nil : $0.path }
  }

  // MARK: - Checks shared by the readers

  /// Refuses absolute paths, `..` and empty components: a module folder must stay inside the model directory.
  static func checkRelative(_ path: String, file: String) throws(ModelError) {
    guard path.isEmpty || (!path.hasPrefix("/") && !path.split(separator: "/", omittingEmptySubsequences: false)
      .contains(where: { $0.isEmpty || $0 == ".." || $0 == "." })) else {
      throw ModelError(.config, file: file, "module path '\(path)' leaves the model directory")
    }
    guard path.utf8.count <= 255 else { throw ModelError(.config, file: file, "module path is longer than 255 bytes") }
  }

  /// A positive integer no larger than ``maxDimension``.
  static func positive(_ value: JSONValue, key: String, path: String) throws(ModelError) -> Int {
    guard let n = value.intValue, n > 0, n <= SentencePipelineConfig.maxDimension else {
      throw ModelError(.config, file: path, "\(key) is \(value.canonicalText), not an integer from 1 to \(SentencePipelineConfig.maxDimension)")
    }
    return n
  }

  /// A small JSON file, parsed.
  public static func readJSON(_ path: String) throws(ModelError) -> JSONValue {
    let file: MappedFile
    do { file = try MappedFile(path: path) } catch { throw ModelError(.config, file: path, "cannot read: \(error.detail)") }
    guard file.count <= ModelConfig.maxFileSize else {
      throw ModelError(.config, file: path, "is \(file.count) bytes, more than the limit of \(ModelConfig.maxFileSize) bytes")
    }
    do { return try file.withUnsafeBytes { bytes throws(JSONValue.ParseError) in try JSONValue.parse(bytes) } } catch {
      throw ModelError(.config, file: path, "not JSON: \(error)")
    }
  }
}
