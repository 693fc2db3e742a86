import ArgumentParser
import Checkpoint
import Convert

extension CheckpointFormat.Family: ExpressibleByArgument {}
extension TargetDType: ExpressibleByArgument {}

/// Options every command that reads a checkpoint shares.
struct SourceOptions: ParsableArguments {
  @Argument(help: "A checkpoint file, a sharded index (*.index.json) or a model directory.")
  var source: String

  @Option(help: "Which weights to read from a model directory: safetensors, pytorch or tf.")
  var from: CheckpointFormat.Family?
}
