import Support

extension SentencePipelineConfig {
  /// The `__metadata__` key a single canonical file records its sentence-transformers pipeline under
  /// (docs/FORMAT.md).
  public static let metadataKey = "sentence_transformers"

  /// The pipeline as the canonical file's `__metadata__["sentence_transformers"]` records it, canonical JSON:
  /// `{"default_prompt":…|null,"do_lower_case":…,"max_seq_length":…|null,"modules":[{"type":"Transformer"},{"type":"Pooling",
  /// "embedding_dimension":…,"pooling_mode":[…],"include_prompt":…},{"type":"Normalize"}],"similarity_fn_name":…}`.
  /// Nil when the pipeline has a Dense module, whose weights a single file cannot carry.
  public var metadataJSON: JSONValue? {
    var entries: [JSONValue] = []
    for module in modules {
      switch module.kind {
      case .transformer: entries.append(.object([("type", .string("Transformer"))]))
      case .pooling(let pooling):
        entries.append(.object([
          ("type", .string("Pooling")),
          ("embedding_dimension", .number(String(pooling.embeddingDimension))),
          ("pooling_mode", .array(pooling.modes.map { .string($0.rawValue) })),
          ("include_prompt", .bool(pooling.includePrompt)),
        ]))
      case .normalize: entries.append(.object([("type", .string("Normalize"))]))
      case .dropout: entries.append(.object([("type", .string("Dropout"))]))
      case .dense: return nil
      }
    }
    return .object([
      ("default_prompt", defaultPrompt.map { .string($0) } ?? .null),
      ("do_lower_case", .bool(doLowerCase)),
      ("max_seq_length", maxSeqLength.map { .number(String($0)) } ?? .null),
      ("modules", .array(entries)),
      ("similarity_fn_name", similarityFunction.map { .string($0) } ?? .null),
    ])
  }

  /// Reads the pipeline a canonical file recorded in `__metadata__` (see ``metadataJSON``).
  /// - Throws: ``ModelError`` `.config` naming `path` and the problem.
  public init(metadata text: String, path: String) throws(ModelError) {
    let label = path + " (__metadata__ \(SentencePipelineConfig.metadataKey))"
    let json: JSONValue
    do { json = try JSONValue.parse(text) } catch { throw ModelError(.config, file: label, "not JSON: \(error)") }
    guard json.objectValue != nil, let entries = json["modules"]?.arrayValue else {
      throw ModelError(.config, file: label, "not an object with a 'modules' array")
    }
    guard !entries.isEmpty, entries.count <= SentencePipelineConfig.maxModules else {
      throw ModelError(.config, file: label, "lists \(entries.count) modules (1 to \(SentencePipelineConfig.maxModules) allowed)")
    }
    var modules: [SentenceModule] = []
    for (i, entry) in entries.enumerated() {
      guard let type = entry["type"]?.stringValue else { throw ModelError(.config, file: label, "module \(i) has no string 'type'") }
      let kind: SentenceModule.Kind
      switch type {
      case "Transformer" where i == 0: kind = .transformer
      case "Pooling":
        guard let members = entry.objectValue else { throw ModelError(.config, file: label, "module \(i) is not an object") }
        kind = .pooling(try PoolingConfig(json: .object(members.filter { $0.0 != "type" }), path: label))
      case "Normalize": kind = .normalize
      case "Dropout": kind = .dropout
      default: throw ModelError(.config, file: label, "module \(i) has type '\(type)' (Transformer first, then Pooling, Normalize, Dropout)")
      }
      modules.append(SentenceModule(idx: i, name: String(i), path: "", type: type, kind: kind))
    }
    guard modules.first?.kind == .transformer else { throw ModelError(.config, file: label, "the first module is not the Transformer") }
    var maxSeqLength: Int?
    switch json["max_seq_length"] {
    case nil, .null?: maxSeqLength = nil
    case let value?: maxSeqLength = try SentencePipelineConfig.positive(value, key: "max_seq_length", path: label)
    }
    var doLowerCase = false
    if let value = json["do_lower_case"] {
      guard let flag = value.boolValue else { throw ModelError(.config, file: label, "do_lower_case is not true or false") }
      doLowerCase = flag
    }
    var similarity: String?
    switch json["similarity_fn_name"] {
    case nil, .null?: similarity = nil
    case .string(let name)? where ["cosine", "dot", "euclidean", "manhattan"].contains(name): similarity = name
    case let other?: throw ModelError(.config, file: label, "similarity_fn_name \(other.canonicalText) is not cosine, dot, euclidean or manhattan")
    }
    self.init(modules: modules, maxSeqLength: maxSeqLength, doLowerCase: doLowerCase, similarityFunction: similarity)
    switch json["default_prompt"] {
    case nil, .null?: defaultPrompt = nil
    case .string(let prompt)?: defaultPrompt = prompt.isEmpty ? nil : prompt
    case let other?: throw ModelError(.config, file: label, "default_prompt is \(other.canonicalText), not a string")
    }
  }
}
