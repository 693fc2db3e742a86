import Checkpoint
import Foundation
import SafeTensors

/// One tensor of the canonical file: its canonical name and shape, the module it belongs to, and the source tensor
/// it comes from.
public struct CanonicalTensor: Sendable {
  public let name: String
  public let shape: [Int]
  public let module: ModuleSpec
  public let source: SourceTensor
}

/// A source tensor the canonical file leaves out, and why.
public struct DroppedTensor: Sendable {
  public let source: String
  public let reason: String
}

/// The result of mapping a checkpoint onto its family's table: every tensor in model order, checked against the
/// config, and the head the checkpoint carries.
public struct ModelPlan: Sendable {
  public let config: ModelConfig
  public let tensors: [CanonicalTensor]
  public let dropped: [DroppedTensor]
  /// The head the checkpoint carries (``ModelFamily/headKind(config:presentGroups:)``), nil for a bare encoder.
  public let headKind: HeadKind?
  /// The checkpoint's `__metadata__` when it is a single safetensors file (a canonical file's records).
  public let metadata: [String: String]?

  public var family: ModelFamily { config.family }
  public var parameterCount: Int { tensors.reduce(0) { $0 + $1.shape.reduce(1, *) } }

  /// The tensors of the module with `role` (in `layer`), or nil when the checkpoint lacks it.
  public func module(_ role: Role, layer: Int? = nil) -> (spec: ModuleSpec, tensors: [CanonicalTensor])? {
    let found = tensors.filter { $0.module.role == role && $0.module.layer == layer }
    guard let first = found.first else { return nil }
    return (first.module, found)
  }

  /// Whether the checkpoint has the module with `role` (in `layer`).
  public func has(_ role: Role, layer: Int? = nil) -> Bool {
    tensors.contains { $0.module.role == role && $0.module.layer == layer }
  }
}

/// Maps source parameter names onto a family's canonical ones (docs/FORMAT.md) and checks every shape.
public enum ParameterMap {
  /// Maps every tensor of `checkpoint` onto a canonical name of `config`'s family and checks it against `config`.
  /// - Throws: ``ModelError``: `.unknownTensor` listing every name the table does not know, `.missingTensors`
  ///   listing every absent one, `.shapeMismatch` naming the tensor with expected and found shapes,
  ///   `.unsupportedFamily` for a checkpoint with none of the family's tensors.
  /// Refuses a config whose vocabulary, positions or widths need more values than the checkpoint holds at all
  /// (every size is at most ``ModelConfig/maxDimension``, so these products do not overflow): a 1 KB config cannot
  /// make the table, its checks or its error lines grow beyond the weights.
  static func checkSizes(of config: ModelConfig, against checkpoint: Checkpoint) throws(ModelError) {
    var total = 0
    for tensor in checkpoint.tensors {
      var count = 1
      for dim in tensor.shape { count = count.multipliedReportingOverflow(by: max(dim, 0)).overflow ? Int.max : count * max(dim, 0) }
      total = total.addingReportingOverflow(count).overflow ? Int.max : total + count
    }
    let h = config.hiddenSize
    let needs: [(String, Int)] = [
      ("vocab_size \(config.vocabSize) × hidden_size \(h)", config.vocabSize * h),
      ("max_position_embeddings \(config.maxPositionEmbeddings) × hidden_size \(h)", config.maxPositionEmbeddings * h / (config.positionEmbeddingType == "absolute" ? 1 : config.numAttentionHeads)),
      ("intermediate_size \(config.intermediateSize) × hidden_size \(h)", config.intermediateSize * h),
    ]
    for (what, values) in needs where values > total {
      throw ModelError(.missingTensors, file: config.path, "\(what) needs more values than the \(total) of \(checkpoint.path)")
    }
  }

  public static func plan(_ checkpoint: Checkpoint, config: ModelConfig) throws(ModelError) -> ModelPlan {
    let family = config.family
    var byName: [String: SourceTensor] = [:]
    var dropped: [DroppedTensor] = []
    let unused = family.unused(config)
    for tensor in checkpoint.tensors {
      let name = family.canonicalName(tensor.name)
      if family.buffers.contains(name) {
        dropped.append(DroppedTensor(source: tensor.name, reason: "buffer, not a weight"))
        continue
      }
      if let reason = unused[name] {
        dropped.append(DroppedTensor(source: tensor.name, reason: reason))
        continue
      }
      if let other = byName[name] {
        throw ModelError(.unknownTensor, file: checkpoint.path, "'\(other.name)' and '\(tensor.name)' both map to '\(name)'")
      }
      byName[name] = tensor
    }

    // Tied copies are stored once.
    for tie in family.ties {
      guard let alias = byName[tie.alias] else { continue }
      switch tie.kind {
      case .sameParameter:
        if let canonical = byName[tie.canonical] {
          guard try sameBytes(alias, canonical, checkpoint.path) else {
            throw ModelError(.unsupported, file: checkpoint.path, tensor: alias.name,
                             "\(tie.alias) differs from \(tie.canonical); \(family.name) ties them")
          }
          dropped.append(DroppedTensor(source: alias.name, reason: "tied to \(tie.canonical)"))
        } else {
          byName[tie.canonical] = alias
        }
        byName[tie.alias] = nil
      case .droppedWhenEqual:
        if let canonical = byName[tie.canonical], try sameBytes(alias, canonical, checkpoint.path) {
          dropped.append(DroppedTensor(source: alias.name, reason: "tied to \(tie.canonical)"))
          byName[tie.alias] = nil
        }
      }
    }

    // Whether this is the family's checkpoint at all, judged on a one-layer table; then a config asking for more
    // layers than the checkpoint has tensors is refused before a table whose size the config alone decides is listed.
    var oneLayer = config
    oneLayer.numHiddenLayers = min(config.numHiddenLayers, 1)
    guard byName.keys.contains(where: Set(family.modules(oneLayer).flatMap(\.parameters).map(\.name)).contains) else {
      throw ModelError(.unsupportedFamily, file: checkpoint.path,
                       "none of its \(checkpoint.tensors.count) tensors is a \(family.name) parameter (first: \(checkpoint.tensors.prefix(3).map(\.name)))")
    }
    guard config.numHiddenLayers <= checkpoint.tensors.count else {
      throw ModelError(.missingTensors, file: config.path,
                       "num_hidden_layers \(config.numHiddenLayers) needs more tensors than the \(checkpoint.tensors.count) of \(checkpoint.path)")
    }
    try checkSizes(of: config, against: checkpoint)
    let expected = family.modules(config).flatMap(\.parameters)
    let known = Set(expected.map(\.name))
    let unknown = checkpoint.tensors.map(\.name).filter {
      let name = family.canonicalName($0)
      return byName[name] != nil && !known.contains(name)
    }
    guard unknown.isEmpty else {
      throw ModelError(.unknownTensor, file: checkpoint.path, "not \(family.name) parameters: \(unknown.joined(separator: ", "))")
    }

    // The encoder is required; a head is all-or-nothing (a tied parameter may be absent).
    let present = Set(expected.filter { byName[$0.name] != nil }.map(\.module.group))
    let missing = expected.filter { byName[$0.name] == nil && ($0.module.group.isEncoder || present.contains($0.module.group)) }
      .filter { !$0.module.tiedOptional }
    guard missing.isEmpty else {
      throw ModelError(.missingTensors, file: checkpoint.path, missing.map(\.name).joined(separator: ", "))
    }

    var tensors: [CanonicalTensor] = []
    for parameter in expected {
      guard let source = byName[parameter.name] else { continue }
      guard source.shape == parameter.shape else {
        throw ModelError(.shapeMismatch, file: source.file, tensor: source.name,
                         "tensor '\(source.name)' should be \(parameter.shape) by config.json, found \(source.shape)")
      }
      guard source.dtype.isFloatingPoint else {
        throw ModelError(.unsupported, file: source.file, tensor: source.name, "tensor '\(source.name)' is \(source.dtype.rawValue), not a float type")
      }
      tensors.append(CanonicalTensor(name: parameter.name, shape: parameter.shape, module: parameter.module, source: source))
    }
    let heads = Set(present.compactMap { group -> String? in if case .head(let name) = group { name } else { nil } })
    return ModelPlan(config: config, tensors: tensors, dropped: dropped,
                     headKind: family.headKind(config: config, presentGroups: heads), metadata: checkpoint.metadata)
  }

  private static func sameBytes(_ a: SourceTensor, _ b: SourceTensor, _ path: String) throws(ModelError) -> Bool {
    guard a.dtype == b.dtype, a.shape == b.shape else { return false }
    do {
      return try a.withContiguousBytes { x in
        try b.withContiguousBytes { y in x.count == y.count && (x.count == 0 || memcmp(x.baseAddress!, y.baseAddress!, x.count) == 0) }
      }
    } catch {
      throw ModelError(.unsupported, file: path, "cannot compare tied tensors '\(a.name)' and '\(b.name)': \(error)")
    }
  }
}
