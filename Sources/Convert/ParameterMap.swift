import Checkpoint
import Foundation
import SafeTensors

/// One tensor of the canonical file: its canonical name and shape, and the source tensor it comes from.
public struct CanonicalTensor: Sendable {
  public let name: String
  public let shape: [Int]
  public let source: SourceTensor
}

/// A source tensor the canonical file leaves out, and why.
public struct DroppedTensor: Sendable {
  public let source: String
  public let reason: String
}

/// The result of mapping a checkpoint onto canonical names: every tensor in model order, checked against the config.
public struct ModelPlan: Sendable {
  public let config: BertConfig
  public let tensors: [CanonicalTensor]
  public let dropped: [DroppedTensor]

  public var parameterCount: Int { tensors.reduce(0) { $0 + $1.shape.reduce(1, *) } }
}

/// Maps HF/TF/legacy parameter names onto the canonical ones of CONTRACT.md §1 and checks every shape.
public enum ParameterMap {
  /// The canonical spelling of a source name: `bert.` added to bare `BertModel` names, `LayerNorm.gamma/beta`
  /// → `weight/bias`. TF names arrive already converted by the HDF5 reader.
  public static func canonicalName(_ source: String) -> String {
    var name = source
    if name.hasSuffix("LayerNorm.gamma") { name = String(name.dropLast(5)) + "weight" }
    if name.hasSuffix("LayerNorm.beta") { name = String(name.dropLast(4)) + "bias" }
    if name.hasPrefix("embeddings.") || name.hasPrefix("encoder.") || name.hasPrefix("pooler.") { name = "bert." + name }
    return name
  }

  /// Buffers a checkpoint may carry that are not weights.
  static let buffers: Set<String> = ["bert.embeddings.position_ids", "bert.embeddings.token_type_ids"]

  /// Every canonical name the config allows, in model order, with its shape; `required` marks the encoder's.
  static func expected(_ c: BertConfig) -> [(name: String, shape: [Int], group: String)] {
    let (h, i) = (c.hiddenSize, c.intermediateSize)
    var list: [(String, [Int], String)] = [
      ("bert.embeddings.word_embeddings.weight", [c.vocabSize, h], "encoder"),
      ("bert.embeddings.position_embeddings.weight", [c.maxPositionEmbeddings, h], "encoder"),
      ("bert.embeddings.token_type_embeddings.weight", [c.typeVocabSize, h], "encoder"),
      ("bert.embeddings.LayerNorm.weight", [h], "encoder"),
      ("bert.embeddings.LayerNorm.bias", [h], "encoder"),
    ]
    func linear(_ prefix: String, _ out: Int, _ inp: Int, _ group: String) {
      list.append((prefix + ".weight", [out, inp], group))
      list.append((prefix + ".bias", [out], group))
    }
    func norm(_ prefix: String, _ group: String) {
      list.append((prefix + ".weight", [h], group))
      list.append((prefix + ".bias", [h], group))
    }
    for layer in 0..<c.numHiddenLayers {
      let p = "bert.encoder.layer.\(layer)."
      linear(p + "attention.self.query", h, h, "encoder")
      linear(p + "attention.self.key", h, h, "encoder")
      linear(p + "attention.self.value", h, h, "encoder")
      if c.positionEmbeddingType != "absolute" {
        list.append((p + "attention.self.distance_embedding.weight", [2 * c.maxPositionEmbeddings - 1, h / c.numAttentionHeads], "encoder"))
      }
      linear(p + "attention.output.dense", h, h, "encoder")
      norm(p + "attention.output.LayerNorm", "encoder")
      linear(p + "intermediate.dense", i, h, "encoder")
      linear(p + "output.dense", h, i, "encoder")
      norm(p + "output.LayerNorm", "encoder")
    }
    linear("bert.pooler.dense", h, h, "pooler")
    linear("cls.predictions.transform.dense", h, h, "cls.predictions")
    norm("cls.predictions.transform.LayerNorm", "cls.predictions")
    list.append(("cls.predictions.bias", [c.vocabSize], "cls.predictions"))
    list.append(("cls.predictions.decoder.weight", [c.vocabSize, h], "cls.predictions.decoder"))
    linear("cls.seq_relationship", 2, h, "cls.seq_relationship")
    linear("classifier", c.architectures.contains("BertForMultipleChoice") ? 1 : c.numLabels, h, "classifier")
    linear("qa_outputs", c.numLabels, h, "qa_outputs")
    return list
  }

  /// Maps every tensor of `checkpoint` onto a canonical name and checks it against `config`.
  /// - Throws: ``ConvertError``: `.unknownTensor` listing every name the map does not know, `.missingTensors`
  ///   listing every absent one, `.shapeMismatch` naming the tensor with expected and found shapes, `.notBERT` for
  ///   a checkpoint with none of BERT's tensors.
  public static func plan(_ checkpoint: Checkpoint, config: BertConfig) throws(ConvertError) -> ModelPlan {
    var byName: [String: SourceTensor] = [:]
    var dropped: [DroppedTensor] = []
    for tensor in checkpoint.tensors {
      let name = canonicalName(tensor.name)
      if buffers.contains(name) {
        dropped.append(DroppedTensor(source: tensor.name, reason: "buffer, not a weight"))
        continue
      }
      if let other = byName[name] {
        throw ConvertError(.unknownTensor, file: checkpoint.path, "'\(other.name)' and '\(tensor.name)' both map to '\(name)'")
      }
      byName[name] = tensor
    }

    // Tied copies are stored once (the decoder bias is the prediction bias; the decoder weight the word embeddings).
    if let decoderBias = byName["cls.predictions.decoder.bias"] {
      if let bias = byName["cls.predictions.bias"] {
        guard try sameBytes(decoderBias, bias, checkpoint.path) else {
          throw ConvertError(.unsupported, file: checkpoint.path, "cls.predictions.decoder.bias differs from cls.predictions.bias; BERT ties them")
        }
        dropped.append(DroppedTensor(source: decoderBias.name, reason: "tied to cls.predictions.bias"))
      } else {
        byName["cls.predictions.bias"] = decoderBias
      }
      byName["cls.predictions.decoder.bias"] = nil
    }
    if let decoder = byName["cls.predictions.decoder.weight"], let word = byName["bert.embeddings.word_embeddings.weight"],
       try sameBytes(decoder, word, checkpoint.path) {
      dropped.append(DroppedTensor(source: decoder.name, reason: "tied to bert.embeddings.word_embeddings.weight"))
      byName["cls.predictions.decoder.weight"] = nil
    }

    let expected = expected(config)
    let known = Set(expected.map(\.name))
    let unknown = checkpoint.tensors.map(\.name).filter { byName[canonicalName($0)] != nil && !known.contains(canonicalName($0)) }
    guard byName.keys.contains(where: known.contains) else {
      throw ConvertError(.notBERT, file: checkpoint.path,
                         "none of its \(checkpoint.tensors.count) tensors is a BERT parameter (first: \(checkpoint.tensors.prefix(3).map(\.name)))")
    }
    guard unknown.isEmpty else {
      throw ConvertError(.unknownTensor, file: checkpoint.path, "not BERT parameters: \(unknown.joined(separator: ", "))")
    }

    // The encoder is required; a head is all-or-nothing.
    let present = Set(expected.filter { byName[$0.name] != nil }.map(\.group))
    let missing = expected.filter { byName[$0.name] == nil && ($0.group == "encoder" || present.contains($0.group)) }
      .filter { $0.group != "cls.predictions.decoder" }
    guard missing.isEmpty else {
      throw ConvertError(.missingTensors, file: checkpoint.path, missing.map(\.name).joined(separator: ", "))
    }

    var tensors: [CanonicalTensor] = []
    for (name, shape, _) in expected {
      guard let source = byName[name] else { continue }
      guard source.shape == shape else {
        throw ConvertError(.shapeMismatch, file: source.file,
                           "tensor '\(source.name)' should be \(shape) by config.json, found \(source.shape)")
      }
      guard source.dtype.isFloatingPoint else {
        throw ConvertError(.unsupported, file: source.file, "tensor '\(source.name)' is \(source.dtype.rawValue), not a float type")
      }
      tensors.append(CanonicalTensor(name: name, shape: shape, source: source))
    }
    return ModelPlan(config: config, tensors: tensors, dropped: dropped)
  }

  private static func sameBytes(_ a: SourceTensor, _ b: SourceTensor, _ path: String) throws(ConvertError) -> Bool {
    guard a.dtype == b.dtype, a.shape == b.shape else { return false }
    do {
      return try a.withContiguousBytes { x in
        try b.withContiguousBytes { y in x.count == y.count && (x.count == 0 || memcmp(x.baseAddress!, y.baseAddress!, x.count) == 0) }
      }
    } catch {
      throw ConvertError(.unsupported, file: path, "\(error)")
    }
  }
}
