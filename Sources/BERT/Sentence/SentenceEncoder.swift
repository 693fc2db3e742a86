import Checkpoint
import Foundation
import Models
import Support

/// How a sentence embedding is made from the encoder's outputs.
public enum SentencePooling: Sendable, Equatable {
  /// The model's own sentence-transformers pipeline (modules.json, or the canonical file's record of it), else
  /// mean pooling as sentence-transformers does for a plain model.
  case auto
  /// sentence-transformers pooling modes over `last_hidden_state`, concatenated.
  case modes([PoolingMode])
  /// BERT's pooler: tanh(dense(h[:, 0])) (`pooler_output`).
  case pooler

  /// `auto`, `pooler`, or a mode (`mean-sqrt-len` and `mean_sqrt_len_tokens` both name that mode).
  public init?(name: String) {
    switch name {
    case "auto": self = .auto
    case "pooler": self = .pooler
    case "mean-sqrt-len": self = .modes([.meanSqrtLen])
    default:
      guard let mode = PoolingMode(rawValue: name) else { return nil }
      self = .modes([mode])
    }
  }
}

/// What one batch gave: the encoder's token embeddings and the sentence embedding made from them.
public struct SentenceOutput: Sendable {
  public let batch: Int
  public let sequence: Int
  /// [batch, sequence, tokenWidth]: `token_embeddings` after the pipeline's token-level modules.
  public let tokenEmbeddings: [Float]
  public let tokenWidth: Int
  /// [batch, width].
  public let sentenceEmbedding: [Float]
  public let width: Int
  /// The encoder's own outputs (hidden states, pooler, logits).
  public let encoder: EncoderOutput

  /// Row `b` of the sentence embedding.
  public func embedding(_ b: Int) -> ArraySlice<Float> { sentenceEmbedding[(b * width)..<((b + 1) * width)] }
}

/// A BERT-family encoder with the sentence-transformers pipeline that turns its `last_hidden_state` into one
/// vector per text (README "Sentence embeddings"): Transformer → Pooling → Dense… → Normalize, in modules.json
/// order, with sentence-transformers 5.7's formulas.
public final class SentenceEncoder: Sendable {
  /// Where the pipeline came from.
  public enum Origin: Sendable, Equatable {
    /// `modules.json` in this directory.
    case modulesJSON(String)
    /// The canonical file's `__metadata__["sentence_transformers"]`.
    case metadata(String)
    /// No pipeline: mean pooling, as sentence-transformers builds for a plain transformers model.
    case plain
  }

  public let model: BertModel
  public let pipeline: SentencePipelineConfig
  public let origin: Origin
  /// Warnings worth one stderr line each (an activation replaced by Tanh, …).
  public let notes: [String]
  let stages: [Stage]

  enum Stage: Sendable {
    case pooling(PoolingConfig)
    case dense(DenseLayer)
    case normalize
  }

  /// The directory holding the model's files (the model directory, or the one holding the file).
  public static func directory(of source: String) -> String {
    var isDirectory: ObjCBool = false
    if FileManager.default.fileExists(atPath: source, isDirectory: &isDirectory), isDirectory.boolValue { return source }
    let parent = (source as NSString).deletingLastPathComponent
    return parent.isEmpty ? "." : parent
  }

  /// Opens `source` as ``BertModel/load(_:from:)`` does and finds its pipeline: `modules.json` in the model's
  /// directory, else the canonical file's `__metadata__["sentence_transformers"]`, else plain mean pooling.
  /// With a modules.json whose Transformer module sits in a sub-folder, the encoder is loaded from that folder.
  /// - Throws: ``CheckpointError``, ``ModelError`` (configs), ``BERTError`` (weights, unsupported modules).
  public static func load(_ source: String, from family: CheckpointFormat.Family? = nil) throws -> SentenceEncoder {
    let directory = directory(of: source)
    if SentencePipelineConfig.exists(in: directory) {
      let pipeline = try SentencePipelineConfig(directory: directory)
      var modelSource = source
      if !pipeline.transformerPath.isEmpty && modelSource == directory { modelSource = directory + "/" + pipeline.transformerPath }
      let model = try BertModel.load(modelSource, from: family)
      return try SentenceEncoder(model: model, pipeline: pipeline, origin: .modulesJSON(directory), directory: directory)
    }
    let checkpoint = try Checkpoint.open(source, from: family)
    let config = try BertModel.configuration(of: checkpoint)
    try BertModel.checkSupported(config)
    let model = try BertModel(plan: try ParameterMap.plan(checkpoint, config: config))
    if let text = checkpoint.metadata?[SentencePipelineConfig.metadataKey] {
      let pipeline = try SentencePipelineConfig(metadata: text, path: checkpoint.path)
      return try SentenceEncoder(model: model, pipeline: pipeline, origin: .metadata(checkpoint.path), directory: directory)
    }
    return try SentenceEncoder(model: model, pipeline: .plainMean(hiddenSize: config.hiddenSize), origin: .plain, directory: directory)
  }

  /// Builds the pipeline's modules over `model`, loading Dense weights from `directory/<module path>`, and checks
  /// that each module's input width is what the one before gives.
  /// - Throws: ``BERTError`` `.unsupported` for widths that do not chain, `.weights` for Dense weights.
  public init(model: BertModel, pipeline: SentencePipelineConfig, origin: Origin, directory: String) throws(BERTError) {
    self.model = model
    self.pipeline = pipeline
    self.origin = origin
    var stages: [Stage] = []
    var notes: [String] = []
    var tokenWidth = model.config.hiddenSize
    var sentenceWidth: Int?
    let label: String
    switch origin {
    case .modulesJSON(let dir): label = dir + "/modules.json"
    case .metadata(let file): label = file
    case .plain: label = directory
    }
    for module in pipeline.modules {
      switch module.kind {
      case .transformer, .dropout:
        continue
      case .pooling(let pooling):
        guard pooling.embeddingDimension == tokenWidth else {
          let file = module.path.isEmpty ? label : directory + "/" + module.path + "/config.json"
          throw BERTError(.unsupported, file: file, "the Pooling module pools \(pooling.embeddingDimension) dimensions, the token embeddings have \(tokenWidth)")
        }
        sentenceWidth = pooling.outputDimension
        stages.append(.pooling(pooling))
      case .dense(let dense):
        let folder = module.path.isEmpty ? directory : directory + "/" + module.path
        let layer = try DenseLayer(config: dense, folder: folder)
        let width = dense.inputName == "token_embeddings" ? tokenWidth : sentenceWidth
        guard let width else {
          throw BERTError(.unsupported, file: folder, "the Dense module reads sentence_embedding before any Pooling module made it")
        }
        guard width == dense.inFeatures else {
          throw BERTError(.unsupported, file: folder + "/config.json", "in_features is \(dense.inFeatures), its input has \(width) dimensions")
        }
        if dense.outputName == "token_embeddings" { tokenWidth = dense.outFeatures } else { sentenceWidth = dense.outFeatures }
        if let note = layer.note { notes.append(note) }
        stages.append(.dense(layer))
      case .normalize:
        stages.append(.normalize)
      }
    }
    guard sentenceWidth != nil else { throw BERTError(.unsupported, file: label, "the pipeline has no Pooling module, so it makes no sentence embedding") }
    self.stages = stages
    self.notes = notes
  }

  /// The longest input in tokens: sentence_bert_config.json's `max_seq_length`, else the smaller of the
  /// tokenizer's `model_max_length` and `max_position_embeddings` (sentence-transformers' Transformer module).
  public func maxSequenceLength(tokenizerMaximum: Int?) -> Int {
    if let length = pipeline.maxSeqLength { return length }
    return min(tokenizerMaximum ?? Int.max, model.config.maxPositionEmbeddings)
  }

  /// Runs the encoder and the pipeline on `input`.
  /// - Parameter pooling: `.auto` runs the model's pipeline; `.modes`/`.pooler` replace it (no Dense, no
  ///   Normalize) and `normalize` then decides whether rows are L2-normalised. With `.auto`, `normalize` true adds
  ///   a Normalize the pipeline lacks, false drops the pipeline's.
  /// - Throws: ``BERTError`` `.badInput` for ids the model refuses, `.unsupported` for `.pooler` without a pooler.
  /// - Parameter promptLength: tokens of a prompt the texts start with (``promptLength(tokenizer:)``); a pipeline
  ///   Pooling with `include_prompt` false leaves them out, as sentence-transformers does.
  public func encode(_ input: EncoderInput, pooling: SentencePooling = .auto, normalize: Bool? = nil,
                     keepHiddenStates: Bool = false, promptLength: Int? = nil) throws(BERTError) -> SentenceOutput {
    let output = try model.forward(input, keepHiddenStates: keepHiddenStates)
    var tokens = output.lastHiddenState
    var tokenWidth = output.hiddenSize
    var sentence: [Float] = []
    var width = 0
    let (b, s) = (input.batch, input.sequence)
    func pooled(_ modes: [PoolingMode], excludingPrompt: Bool = false) {
      var mask = input.attentionMask
      if excludingPrompt, let promptLength, promptLength > 0 {
        // sentence-transformers 5.7 `_exclude_prompt_from_mask`: the first promptLength real positions (and any
        // left padding before them) leave the pooling.
        for row in 0..<b {
          let first = (0..<s).first { mask[row * s + $0] == 1 } ?? 0
          for t in 0..<min(s, first + promptLength) { mask[row * s + t] = 0 }
        }
      }
      sentence = Pooling.pool(TokenEmbeddings(batch: b, sequence: s, width: tokenWidth, values: tokens, mask: mask), modes: modes)
      width = modes.count * tokenWidth
    }
    switch pooling {
    case .auto:
      var normalized = false
      for stage in stages {
        switch stage {
        case .pooling(let config): pooled(config.modes, excludingPrompt: !config.includePrompt)
        case .dense(let layer):
          if layer.config.inputName == "token_embeddings" {
            let result = try layer.apply(tokens, rows: b * s)
            if layer.config.outputName == "token_embeddings" { (tokens, tokenWidth) = (result, layer.config.outFeatures) } else { (sentence, width) = (result, layer.config.outFeatures) }
          } else {
            let result = try layer.apply(sentence, rows: b)
            if layer.config.outputName == "sentence_embedding" { (sentence, width) = (result, layer.config.outFeatures) } else { (tokens, tokenWidth) = (result, layer.config.outFeatures) }
          }
        case .normalize:
          if normalize != false { sentence = Pooling.normalize(sentence, width: width) }
          normalized = true
        }
      }
      if normalize == true && !normalized { sentence = Pooling.normalize(sentence, width: width) }
    case .modes(let modes):
      pooled(modes)
      if normalize == true { sentence = Pooling.normalize(sentence, width: width) }
    case .pooler:
      guard let pooler = output.poolerOutput else {
        throw BERTError(.unsupported, file: model.config.path, "the model has no pooler, so --pooling pooler cannot be used")
      }
      (sentence, width) = (pooler, output.hiddenSize)
      if normalize == true { sentence = Pooling.normalize(sentence, width: width) }
    }
    return SentenceOutput(batch: b, sequence: s, tokenEmbeddings: tokens, tokenWidth: tokenWidth,
                          sentenceEmbedding: sentence, width: width, encoder: output)
  }

  /// The pipeline in one line: `Transformer → Pooling(mean) → Normalize`.
  public var summary: String {
    var parts = ["Transformer"]
    for stage in stages {
      switch stage {
      case .pooling(let config): parts.append("Pooling(\(config.modes.map(\.rawValue).joined(separator: "+")))")
      case .dense(let layer): parts.append("Dense(\(layer.config.inFeatures)→\(layer.config.outFeatures), \(layer.activation.rawValue))")
      case .normalize: parts.append("Normalize")
      }
    }
    return parts.joined(separator: " → ")
  }

  /// True when the pipeline ends in a Normalize module.
  public var normalizes: Bool { stages.contains { if case .normalize = $0 { true } else { false } } }
}

extension SentenceEncoder {
  /// The outputs a sentence-transformers golden holds (docs/GOLDEN.md): `token_embeddings` [B, S, width] and
  /// `sentence_embedding` [B, D].
  public static func outputTensors(_ output: SentenceOutput) -> [OutputTensor] {
    [OutputTensor(name: "token_embeddings", shape: [output.batch, output.sequence, output.tokenWidth], values: output.tokenEmbeddings, perToken: true),
     OutputTensor(name: "sentence_embedding", shape: [output.batch, output.width], values: output.sentenceEmbedding, perToken: false)]
  }

  /// The names of ``outputTensors(_:)``: a golden holding either needs the sentence encoder.
  public static let outputNames: Set<String> = ["token_embeddings", "sentence_embedding"]
}
