import Checkpoint
import Convert
import Foundation
import SafeTensors

extension BertModel {
  /// Opens `source` — a canonical file or directory, or any checkpoint `bert-convert` reads (safetensors,
  /// PyTorch, Keras HDF5, sharded or not, or a model directory) — and maps it onto canonical names in memory;
  /// nothing is written.
  ///
  /// The configuration is the canonical file's own (`__metadata__["config"]`) when it has one, otherwise the
  /// `config.json` beside the weights. f32 tensors of a safetensors checkpoint are used in place.
  /// - Throws: ``CheckpointError`` for unreadable checkpoints, ``ConvertError`` for configs and tensors that are
  ///   not BERT's, ``BERTError`` for models the encoder does not run.
  public static func load(_ source: String, from family: CheckpointFormat.Family? = nil) throws -> BertModel {
    let checkpoint = try Checkpoint.open(source, from: family)
    let config = try configuration(of: checkpoint)
    try checkSupported(config)
    let plan = try ParameterMap.plan(checkpoint, config: config)
    return try BertModel(plan: plan, weightsAreMapped: checkpoint.format == .safetensors)
  }

  /// The config of a checkpoint: a canonical file's embedded config, else `config.json` beside it.
  static func configuration(of checkpoint: Checkpoint) throws -> BertConfig {
    if checkpoint.format == .safetensors, checkpoint.files.count == 1 {
      let file = try SafeTensorsFile(path: checkpoint.path)
      if let text = file.metadata["config"] {
        let label = checkpoint.path + " (__metadata__ config)"
        do {
          return try BertConfig(json: try JSONValue.parse(text), path: label)
        } catch let error as JSONValue.ParseError {
          throw ConvertError(.config, file: label, "not JSON: \(error)")
        }
      }
    }
    return try BertConfig(path: checkpoint.directory + "/config.json")
  }
}
