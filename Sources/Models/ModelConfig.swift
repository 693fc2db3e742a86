import Foundation
import SafeTensors
import Support

/// The fields of a `config.json` that decide tensor shapes and the forward pass, in the vocabulary every family
/// shares (each family's file maps its own keys onto them), plus the whole JSON.
public struct ModelConfig: Sendable {
  /// The family `model_type` selected.
  public var family: ModelFamily
  public var modelType: String
  public var vocabSize: Int
  public var hiddenSize: Int
  public var numHiddenLayers: Int
  public var numAttentionHeads: Int
  public var intermediateSize: Int
  public var maxPositionEmbeddings: Int
  /// 0 for families without token types.
  public var typeVocabSize: Int
  public var layerNormEps: Double
  public var hiddenAct: String
  public var positionEmbeddingType: String
  /// The embeddings' width when it differs from `hidden_size` (ELECTRA's `embedding_size`, projected to the hidden
  /// size by `embeddings_project`); nil when they are `hidden_size` wide.
  public var embeddingSize: Int? = nil
  /// RoBERTa-style positions (RoBERTa, XLM-RoBERTa, MPNet): a token that is not `padding_idx` is at
  /// `padding_idx + 1 +` the number of such tokens before it, a `padding_idx` token at `padding_idx`
  /// (transformers' `create_position_ids_from_input_ids`); nil: positions 0…L−1.
  public var positionPaddingIndex: Int? = nil
  /// From `id2label` when present, else `num_labels`, else 2 (transformers' default).
  public var numLabels: Int
  /// `architectures`, named as PyTorch classes (`TFBertModel` → `BertModel`).
  public var architectures: [String]
  /// `id2label` in label order, when present.
  public var labels: [String]?
  public var problemType: String?
  /// The config as read, keys in file order.
  public var json: JSONValue
  /// Every value the family's reader took from the config or filled with transformers' default, as JSON
  /// (``canonicalJSON`` writes them all, so an absent key and its default give the same bytes).
  public var readValues: [String: JSONValue] = [:]
  /// The file it came from.
  public var path: String

  /// Keys that record how a file was produced rather than what the model is; dropped from both configs written.
  public static func isBookkeeping(_ key: String) -> Bool {
    key.hasPrefix("_") || ["transformers_version", "torch_dtype", "dtype", "use_cache", "gradient_checkpointing"].contains(key)
  }

  /// Keys that change nothing an inference computes — dropout rates, initialisation, training switches, what a
  /// forward pass returns, the name of the tokenizer class or fine-tuning task — dropped from the canonical config
  /// (docs/FORMAT.md). Everything else is kept: a key a family does not read may still mean something to another.
  public static func isTrainingOnly(_ key: String) -> Bool {
    key.hasSuffix("dropout") || key.hasSuffix("dropout_prob") || key.hasSuffix("dropout_rate") || key.hasPrefix("initializer_")
      || key.hasPrefix("output_") || ["return_dict", "use_return_dict", "torchscript", "chunk_size_feed_forward", "tokenizer_class",
                                      "finetuning_task", "name_or_path", "pruned_heads_applied"].contains(key)
  }

  /// Larger config files are refused before they are read (real ones are a few KB; parsing JSON takes up to
  /// ~20 times its size in memory).
  public static let maxFileSize = 16 << 20

  /// Reads and checks `config.json`.
  /// - Throws: ``ModelError`` `.config` for unreadable, oversized or inconsistent configs, `.unsupportedFamily`
  ///   when `model_type` names no family of ``ModelFamily/all``.
  public init(path: String) throws(ModelError) {
    let file: MappedFile
    do {
      file = try MappedFile(path: path)
    } catch {
      throw ModelError(.config, file: path, "cannot read config.json (a config.json must sit beside the weights): \(error.detail)")
    }
    guard file.count <= ModelConfig.maxFileSize else {
      throw ModelError(.config, file: path, "is \(file.count) bytes, more than the limit of \(ModelConfig.maxFileSize) bytes for a config")
    }
    let json: JSONValue
    do { json = try file.withUnsafeBytes { bytes throws(JSONValue.ParseError) in try JSONValue.parse(bytes) } } catch {
      throw ModelError(.config, file: path, "not JSON: \(error)")
    }
    try self.init(json: json, path: path)
  }

  /// Checks a parsed config and reads it with its family's reader.
  public init(json: JSONValue, path: String) throws(ModelError) {
    guard json.objectValue != nil else { throw ModelError(.config, file: path, "not a JSON object") }
    let modelType = json["model_type"]?.stringValue
    guard let modelType, let family = ModelFamily.named(modelType) else {
      throw ModelError(.unsupportedFamily, file: path,
                       "model_type is \(modelType.map { "'\($0)'" } ?? "missing"), not one of "
                         + ModelFamily.all.flatMap(\.modelTypes).map { "'\($0)'" }.joined(separator: ", "))
    }
    self = try family.readConfig(ConfigReader(json: json, path: path))
  }

  /// Memberwise, for a family's config reader.
  public init(family: ModelFamily, reader: ConfigReader, vocabSize: Int, hiddenSize: Int, numHiddenLayers: Int,
              numAttentionHeads: Int, intermediateSize: Int, maxPositionEmbeddings: Int, typeVocabSize: Int,
              layerNormEps: Double, hiddenAct: String, positionEmbeddingType: String) throws(ModelError) {
    try ModelConfig.checkSizes([("vocab_size", vocabSize), ("hidden_size", hiddenSize), ("num_hidden_layers", numHiddenLayers),
                                ("num_attention_heads", numAttentionHeads), ("intermediate_size", intermediateSize),
                                ("max_position_embeddings", maxPositionEmbeddings), ("type_vocab_size", typeVocabSize)], path: reader.path)
    guard hiddenSize % numAttentionHeads == 0 else {
      throw ModelError(.config, file: reader.path, "hidden_size \(hiddenSize) is not a multiple of num_attention_heads \(numAttentionHeads)")
    }
    self.family = family
    self.modelType = reader.json["model_type"]?.stringValue ?? family.modelTypes[0]
    self.vocabSize = vocabSize
    self.hiddenSize = hiddenSize
    self.numHiddenLayers = numHiddenLayers
    self.numAttentionHeads = numAttentionHeads
    self.intermediateSize = intermediateSize
    self.maxPositionEmbeddings = maxPositionEmbeddings
    self.typeVocabSize = typeVocabSize
    self.layerNormEps = layerNormEps
    self.hiddenAct = hiddenAct
    self.positionEmbeddingType = positionEmbeddingType
    (labels, numLabels) = try reader.labels()
    problemType = reader.json["problem_type"]?.stringValue
    architectures = (reader.json["architectures"]?.arrayValue ?? []).compactMap(\.stringValue).map(ModelConfig.pytorchClass)
    json = reader.json
    path = reader.path
    readValues = reader.read.values
  }

  /// The largest value any size in a config may have (2^31): no real model comes near it, and with every size
  /// below it, products of two sizes and a family's derived sizes (`2 · max_position_embeddings − 1` rows of
  /// relative distances) cannot overflow. How many of these sizes the weights can hold is checked against the
  /// checkpoint by ``ParameterMap/plan(_:config:)``, before any per-layer work.
  public static let maxDimension = 1 << 31

  /// Refuses any size over ``maxDimension``, naming the key.
  static func checkSizes(_ sizes: [(key: String, value: Int)], path: String) throws(ModelError) {
    for (key, value) in sizes where value > maxDimension {
      throw ModelError(.config, file: path, "'\(key)' \(value) is over the limit of \(maxDimension) for a size")
    }
  }

  /// `TFBertForSequenceClassification` → `BertForSequenceClassification`.
  public static func pytorchClass(_ name: String) -> String {
    guard name.hasPrefix("TF"), let third = name.dropFirst(2).first, third.isUppercase else { return name }
    return String(name.dropFirst(2))
  }

  /// The config a directory output's `config.json` holds: the file as read (what transformers needs to load it),
  /// as canonical JSON (sorted keys, no whitespace), without bookkeeping keys and with PyTorch architecture names.
  public var transformersJSON: String {
    guard case .object(let members) = json else { return "{}" }
    let kept = members.filter { !ModelConfig.isBookkeeping($0.0) }.map { key, value -> (String, JSONValue) in
      guard key == "architectures", let names = value.arrayValue else { return (key, value) }
      return (key, .array(names.map { $0.stringValue.map { .string(ModelConfig.pytorchClass($0)) } ?? $0 }))
    }
    return JSONValue.object(kept).canonicalText
  }

  /// The canonical config (`__metadata__["config"]`, docs/FORMAT.md): only what changes the computation,
  /// normalised, so the same weights give the same bytes whoever saved them. From ``transformersJSON``'s keys:
  /// nulls, bookkeeping and training-only keys (``isTrainingOnly(_:)``) dropped; every value the family reads
  /// written as read or defaulted (`hidden_act` absent is `"gelu"`); the labels as transformers holds them —
  /// `id2label` with keys `"0"…"n−1"` (`LABEL_i` when the config names none), no `label2id` or `num_labels`,
  /// which follow from it.
  public var canonicalJSON: String {
    guard case .object(let members) = json else { return "{}" }
    var kept: [String: JSONValue] = [:]
    for (key, value) in members where value != .null && !ModelConfig.isBookkeeping(key) && !ModelConfig.isTrainingOnly(key) {
      if key == "architectures", let names = value.arrayValue {
        kept[key] = .array(names.map { $0.stringValue.map { .string(ModelConfig.pytorchClass($0)) } ?? $0 })
      } else {
        kept[key] = value
      }
    }
    for (key, value) in readValues { kept[key] = value }
    kept["model_type"] = .string(modelType)
    kept["label2id"] = nil
    kept["num_labels"] = nil
    let names = labels ?? (0..<numLabels).map { "LABEL_\($0)" }
    kept["id2label"] = .object(names.enumerated().map { (String($0.offset), .string($0.element)) })
    return JSONValue.object(kept.sorted { $0.key < $1.key }).canonicalText
  }

  /// The embeddings' width: ``embeddingSize`` or `hidden_size`.
  public var embeddingWidth: Int { embeddingSize ?? hiddenSize }

  /// The head class named by `architectures` (`BertForTokenClassification`), if the family knows it.
  public var architectureHead: HeadKind? {
    for name in architectures { if let kind = family.architectures[name] { return kind } }
    return nil
  }
}

/// Reads typed fields of a config with transformers' defaults, naming the file and key in every error.
public struct ConfigReader: Sendable {
  public let json: JSONValue
  public let path: String
  /// What the typed getters returned, by key (``ModelConfig/readValues``).
  let read = ReadValues()

  final class ReadValues: @unchecked Sendable {
    var values: [String: JSONValue] = [:]
  }

  public init(json: JSONValue, path: String) {
    self.json = json
    self.path = path
  }

  /// A positive integer `key`, or `value` when the key is absent (an error when there is no default).
  public func int(_ key: String, default value: Int? = nil) throws(ModelError) -> Int {
    guard let field = json[key] else {
      guard let value else { throw ModelError(.config, file: path, "missing '\(key)'") }
      read.values[key] = .number(String(value))
      return value
    }
    guard let n = field.intValue, n > 0 else { throw ModelError(.config, file: path, "'\(key)' is not a positive integer") }
    read.values[key] = .number(String(n))
    return n
  }

  public func double(_ key: String, default value: Double) -> Double {
    let result = json[key]?.doubleValue ?? value
    if result.isFinite { read.values[key] = .number("\(result)") }
    return result
  }

  /// A string `key`, or `value` when the key is absent. Present but not a string (`null` included) is an error:
  /// transformers does not fall back to the default then (`"hidden_act": null` fails in `ACT2FN[None]`), and
  /// silently computing with the default would be another model.
  public func string(_ key: String, default value: String) throws(ModelError) -> String {
    guard let field = json[key] else {
      read.values[key] = .string(value)
      return value
    }
    guard let text = field.stringValue else {
      throw ModelError(.config, file: path, "'\(key)' is \(field == .null ? "null" : "not a string"); transformers has no default for that")
    }
    read.values[key] = .string(text)
    return text
  }

  /// A key of `id2label` as transformers reads it, with Python's `int()`: surrounding whitespace, a sign, and
  /// underscores between digits are allowed, leading zeros too ("00" is 0).
  static func pythonInt(_ key: String) -> Int? {
    var text = Substring(key).drop(while: \.isWhitespace)
    while let last = text.last, last.isWhitespace { text = text.dropLast() }
    var negative = false
    if let sign = text.first, sign == "+" || sign == "-" {
      negative = sign == "-"
      text = text.dropFirst()
    }
    guard let first = text.first, first.isASCII, first.isNumber, let last = text.last, last != "_",
          !text.contains("__") else { return nil }
    var value = 0
    for c in text where c != "_" {
      guard c.isASCII, let digit = c.wholeNumberValue else { return nil }
      let (times, o1) = value.multipliedReportingOverflow(by: 10)
      let (sum, o2) = times.addingReportingOverflow(digit)
      guard !o1 && !o2 else { return nil }
      value = sum
    }
    return negative ? -value : value
  }

  /// `id2label` in label order and the label count: from `id2label` when present, else `num_labels`, else 2.
  func labels() throws(ModelError) -> ([String]?, Int) {
    guard let id2label = json["id2label"]?.objectValue, !id2label.isEmpty else { return (nil, try int("num_labels", default: 2)) }
    // transformers reads the keys with int() into a dict: "0", "00" and "000" are all 0, the last one wins, and
    // the labels are as many as the distinct ids.
    var byIndex: [Int: String] = [:]
    for (key, value) in id2label {
      guard let i = ConfigReader.pythonInt(key), let label = value.stringValue else {
        throw ModelError(.config, file: path, "id2label must map integers to strings ('\(key)')")
      }
      byIndex[i] = label
    }
    let count = byIndex.count
    guard byIndex.keys.allSatisfy({ $0 >= 0 && $0 < count }) else {
      throw ModelError(.config, file: path, "id2label must map 0…\(count - 1) to strings")
    }
    let labels = (0..<count).compactMap { byIndex[$0] }
    if let stated = json["num_labels"]?.intValue, stated != count {
      throw ModelError(.config, file: path, "num_labels \(stated) contradicts id2label's \(count) labels")
    }
    return (labels, count)
  }
}
