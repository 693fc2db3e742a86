import ArgumentParser
import BERT
import CLISupport
import Checkpoint

/// The model every subcommand runs.
struct ModelOptions: ParsableArguments {
  @Argument(help: "A canonical file or directory, a checkpoint file, a sharded index (*.index.json), a model directory, or a model id org/name[@revision] in the local HuggingFace cache.")
  var model: String

  @OptionGroup var format: FormatOption

  var from: CheckpointFormat.Family? { format.from }

  /// Replaces a HuggingFace model id (`org/name[@revision]`) that is not a path with its snapshot directory in
  /// the local hub cache (``HubCache``); paths are kept as given.
  mutating func resolveModelID() throws {
    model = try HubCache.resolve(model)
  }

  /// Opens the model, mapping its tensors in memory.
  func load() throws -> BertModel {
    try BertModel.load(model, from: from)
  }
}
