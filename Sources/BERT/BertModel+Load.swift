import Checkpoint
import Foundation
import Models
import SafeTensors
import Support

extension BertModel {
  /// Opens `source` — a canonical file or directory, or any checkpoint `bert-convert` reads (safetensors,
  /// PyTorch, Keras HDF5, sharded or not, or a model directory) — and maps it onto canonical names in memory;
  /// nothing is written.
  ///
  /// The configuration is the canonical file's own (`__metadata__["config"]`) when it has one, otherwise the
  /// `config.json` beside the weights. f32 tensors of a safetensors checkpoint are used in place.
  /// - Throws: ``CheckpointError`` for unreadable checkpoints, ``ModelError`` for configs and tensors that do not
  ///   fit a family's table, ``BERTError`` for models the encoder does not run.
  public static func load(_ source: String, from family: CheckpointFormat.Family? = nil) throws -> BertModel {
    let checkpoint = try Checkpoint.open(source, from: family)
    let config = try configuration(of: checkpoint)
    try checkSupported(config)
    return try BertModel(plan: try ParameterMap.plan(checkpoint, config: config))
  }

  /// The config of a checkpoint: a canonical file's embedded config (its `__metadata__`, kept by
  /// ``Checkpoint/metadata``), else `config.json` beside it.
  static func configuration(of checkpoint: Checkpoint) throws(ModelError) -> ModelConfig {
    if let text = checkpoint.metadata?["config"] {
      let label = checkpoint.path + " (__metadata__ config)"
      do {
        return try ModelConfig(json: try JSONValue.parse(text), path: label)
      } catch let error as JSONValue.ParseError {
        throw ModelError(.config, file: label, "not JSON: \(error)")
      } catch let error as ModelError {
        throw error
      } catch {
        throw ModelError(.config, file: label, "\(error)")
      }
    }
    return try ModelConfig(path: checkpoint.directory + "/config.json")
  }
}
