import ArgumentParser
import CLISupport
import Checkpoint
import Convert

extension TargetDType: ExpressibleByArgument {}

/// Options every command that reads a checkpoint shares.
struct SourceOptions: ParsableArguments {
  @Argument(help: "A checkpoint file, a sharded index (*.index.json) or a model directory.")
  var source: String

  @OptionGroup var format: FormatOption

  var from: CheckpointFormat.Family? { format.from }
}
