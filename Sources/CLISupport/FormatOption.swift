import ArgumentParser
import Checkpoint

extension CheckpointFormat.Family: ExpressibleByArgument {}

/// `--from`, shared by every command that opens a checkpoint (each tool's own option group includes it).
public struct FormatOption: ParsableArguments {
  @Option(help: "Which weights to read from a model directory: safetensors, pytorch or tf.")
  public var from: CheckpointFormat.Family?

  public init() {}
}
