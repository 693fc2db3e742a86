import ArgumentParser
import CLISupport
import Checkpoint
import Convert

extension TargetDType: ExpressibleByArgument {}

/// Options every command that reads a checkpoint shares.
struct SourceOptions: ParsableArguments {
  @Argument(help: "A checkpoint file, a sharded index (*.index.json), a model directory, or a model id org/name[@revision] in the local HuggingFace cache.")
  var source: String

  @OptionGroup var format: FormatOption

  var from: CheckpointFormat.Family? { format.from }

  /// SOURCE, or the snapshot directory of the HuggingFace model id it names when it is not a path (``HubCache``).
  func resolvedSource() throws -> String {
    try HubCache.resolve(source)
  }
}
