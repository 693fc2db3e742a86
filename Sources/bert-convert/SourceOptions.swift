import ArgumentParser
import Checkpoint
import Foundation

extension CheckpointFormat.Family: ExpressibleByArgument {}

/// Options every command that reads a checkpoint shares.
struct SourceOptions: ParsableArguments {
  @Argument(help: "A checkpoint file, a sharded index (*.index.json) or a model directory.")
  var source: String

  @Option(help: "Which weights to read from a model directory: safetensors, pytorch or tf.")
  var from: CheckpointFormat.Family?
}

/// Ends the process with exit code 2 and a one-line message on stderr.
func exitBadInput(_ error: any Error) -> Never {
  FileHandle.standardError.write(Data("error: \(error)\n".utf8))
  exit(2)
}

