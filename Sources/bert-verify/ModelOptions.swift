import ArgumentParser
import BERT
import Checkpoint

extension CheckpointFormat.Family: ExpressibleByArgument {}

/// The model every subcommand runs.
struct ModelOptions: ParsableArguments {
  @Argument(help: "A canonical file or directory, a checkpoint file, a sharded index (*.index.json) or a model directory.")
  var model: String

  @Option(help: "Which weights to read from a model directory: safetensors, pytorch or tf.")
  var from: CheckpointFormat.Family?

  /// Opens the model, mapping its tensors in memory.
  func load() throws -> BertModel {
    try BertModel.load(model, from: from)
  }
}
