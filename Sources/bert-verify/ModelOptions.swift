import ArgumentParser
import BERT
import CLISupport
import Checkpoint

/// The model every subcommand runs.
struct ModelOptions: ParsableArguments {
  @Argument(help: "A canonical file or directory, a checkpoint file, a sharded index (*.index.json) or a model directory.")
  var model: String

  @OptionGroup var format: FormatOption

  var from: CheckpointFormat.Family? { format.from }

  /// Opens the model, mapping its tensors in memory.
  func load() throws -> BertModel {
    try BertModel.load(model, from: from)
  }
}
