import Foundation
import SafeTensors

/// The fields of a BERT `config.json` that decide tensor shapes and the forward pass, plus the whole JSON.
public struct BertConfig: Sendable {
  public var vocabSize: Int
  public var hiddenSize: Int
  public var numHiddenLayers: Int
  public var numAttentionHeads: Int
  public var intermediateSize: Int
  public var maxPositionEmbeddings: Int
  public var typeVocabSize: Int
  public var layerNormEps: Double
  public var hiddenAct: String
  public var positionEmbeddingType: String
  /// From `id2label` when present, else `num_labels`, else 2 (transformers' default).
  public var numLabels: Int
  /// `architectures`, named as PyTorch classes (`TFBertModel` → `BertModel`).
  public var architectures: [String]
  /// `id2label` in label order, when present.
  public var labels: [String]?
  public var problemType: String?
  /// The config as read, keys in file order.
  public var json: JSONValue
  /// The file it came from.
  public var path: String

  /// Keys that record how a file was produced rather than what the model is; dropped from the canonical config.
  public static func isBookkeeping(_ key: String) -> Bool {
    key.hasPrefix("_") || ["transformers_version", "torch_dtype", "dtype", "use_cache", "gradient_checkpointing"].contains(key)
  }

  /// Larger config files are refused before they are read (real ones are a few KB; parsing JSON takes up to
  /// ~20 times its size in memory).
  public static let maxFileSize = 16 << 20

  /// Reads and checks `config.json`.
  /// - Throws: ``ConvertError`` `.config` for unreadable, oversized or inconsistent configs, `.notBERT` when
  ///   `model_type` is not `bert`.
  public init(path: String) throws(ConvertError) {
    let file: MappedFile
    do {
      file = try MappedFile(path: path)
    } catch {
      throw ConvertError(.config, file: path, "cannot read config.json (a BERT config.json must sit beside the weights): \(error.detail)")
    }
    guard file.count <= BertConfig.maxFileSize else {
      throw ConvertError(.config, file: path, "is \(file.count) bytes, more than the limit of \(BertConfig.maxFileSize) bytes for a config")
    }
    let json: JSONValue
    do { json = try file.withUnsafeBytes { bytes throws(JSONValue.ParseError) in try JSONValue.parse(bytes) } } catch {
      throw ConvertError(.config, file: path, "not JSON: \(error)")
    }
    try self.init(json: json, path: path)
  }

  public init(json: JSONValue, path: String) throws(ConvertError) {
    guard json.objectValue != nil else { throw ConvertError(.config, file: path, "not a JSON object") }
    let modelType = json["model_type"]?.stringValue
    guard modelType == "bert" else {
      throw ConvertError(.notBERT, file: path, "model_type is \(modelType.map { "'\($0)'" } ?? "missing"), not 'bert'")
    }
    func int(_ key: String, default value: Int? = nil) throws(ConvertError) -> Int {
      guard let field = json[key] else {
        guard let value else { throw ConvertError(.config, file: path, "missing '\(key)'") }
        return value
      }
      guard let n = field.intValue, n > 0 else { throw ConvertError(.config, file: path, "'\(key)' is not a positive integer") }
      return n
    }
    vocabSize = try int("vocab_size")
    hiddenSize = try int("hidden_size", default: 768)
    numHiddenLayers = try int("num_hidden_layers", default: 12)
    numAttentionHeads = try int("num_attention_heads", default: 12)
    intermediateSize = try int("intermediate_size", default: 3072)
    maxPositionEmbeddings = try int("max_position_embeddings", default: 512)
    typeVocabSize = try int("type_vocab_size", default: 2)
    guard hiddenSize % numAttentionHeads == 0 else {
      throw ConvertError(.config, file: path, "hidden_size \(hiddenSize) is not a multiple of num_attention_heads \(numAttentionHeads)")
    }
    layerNormEps = json["layer_norm_eps"]?.doubleValue ?? 1e-12
    hiddenAct = json["hidden_act"]?.stringValue ?? "gelu"
    positionEmbeddingType = json["position_embedding_type"]?.stringValue ?? "absolute"
    problemType = json["problem_type"]?.stringValue
    architectures = (json["architectures"]?.arrayValue ?? []).compactMap(\.stringValue).map(BertConfig.pytorchClass)
    if let id2label = json["id2label"]?.objectValue, !id2label.isEmpty {
      var byIndex: [Int: String] = [:]
      for (key, value) in id2label {
        guard let i = Int(key), i >= 0, i < id2label.count, let label = value.stringValue else {
          throw ConvertError(.config, file: path, "id2label must map 0…\(id2label.count - 1) to strings")
        }
        byIndex[i] = label
      }
      labels = (0..<id2label.count).compactMap { byIndex[$0] }
      numLabels = id2label.count
      if let stated = json["num_labels"]?.intValue, stated != numLabels {
        throw ConvertError(.config, file: path, "num_labels \(stated) contradicts id2label's \(numLabels) labels")
      }
    } else {
      labels = nil
      numLabels = try int("num_labels", default: 2)
    }
    self.json = json
    self.path = path
  }

  /// `TFBertForSequenceClassification` → `BertForSequenceClassification`.
  static func pytorchClass(_ name: String) -> String {
    name.hasPrefix("TFBert") ? String(name.dropFirst(2)) : name
  }

  /// The config as canonical JSON (sorted keys, no whitespace), without bookkeeping keys and with PyTorch
  /// architecture names — the same text whichever format the weights came from.
  public var canonicalJSON: String {
    guard case .object(let members) = json else { return "{}" }
    let kept = members.filter { !BertConfig.isBookkeeping($0.0) }.map { key, value -> (String, JSONValue) in
      guard key == "architectures", let names = value.arrayValue else { return (key, value) }
      return (key, .array(names.map { $0.stringValue.map { .string(BertConfig.pytorchClass($0)) } ?? $0 }))
    }
    return JSONValue.object(kept).canonicalText
  }
}
