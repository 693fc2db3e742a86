import ArgumentParser
import Foundation

/// Exit codes of both tools (CONTRACT.md §3).
public enum ExitStatus: Int32 {
  case success = 0
  case mismatch = 1
  case badInput = 2
}

/// Writes one line to stderr.
public func printError(_ line: String) {
  FileHandle.standardError.write(Data((line + "\n").utf8))
}

/// Ends the process with exit code 2 and `error` as one line on stderr.
public func exitBadInput(_ error: any Error) -> Never {
  printError("error: " + "\(error)".replacingOccurrences(of: "\n", with: " "))
  exit(ExitStatus.badInput.rawValue)
}

/// True when stderr is a terminal (progress is printed only then).
public var stderrIsTerminal: Bool { isatty(2) != 0 }

extension ParsableCommand {
  /// Parses and runs the command like `main()`, except that usage errors exit with 2 (not 64) and any other
  /// error thrown by `run()` is printed as one line and exits with 2.
  public static func mainExitingWithContractCodes() {
    do {
      var command = try parseAsRoot()
      try command.run()
    } catch let code as ExitCode {
      Foundation.exit(code.rawValue)
    } catch {
      switch exitCode(for: error) {
      case .success: exit(withError: error)
      case .validationFailure:
        printError(fullMessage(for: error))
        Foundation.exit(ExitStatus.badInput.rawValue)
      default: exitBadInput(error)
      }
    }
  }
}
