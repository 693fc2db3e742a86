import ArgumentParser
import Foundation
import SafeTensors

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
  printError("error: " + printableLine("\(error)"))
  exit(ExitStatus.badInput.rawValue)
}

/// `text` as one printable line: line breaks and every other control character — which names quoted from a
/// hostile file may hold — written as escapes (`\n`, `\u{1B}`), as the library errors' own descriptions do.
func printableLine(_ text: String) -> String {
  var out = ""
  for scalar in text.unicodeScalars {
    switch scalar.value {
    case 0x0A: out += "\\n"
    case 0x0D: out += "\\r"
    case 0x09: out += "\\t"
    case 0x00..<0x20, 0x7F..<0xA0, 0x2028, 0x2029, 0x200E, 0x200F, 0x202A...0x202E, 0x2066...0x2069:
      out += "\\u{" + String(scalar.value, radix: 16, uppercase: true) + "}"
    default: out.unicodeScalars.append(scalar)
    }
  }
  return out
}

/// True when stderr is a terminal (progress is printed only then).
public var stderrIsTerminal: Bool { isatty(2) != 0 }

extension ParsableCommand {
  /// Parses and runs the command like `main()`, except that usage errors exit with 2 (not 64) and any other
  /// error thrown by `run()` is printed as one line and exits with 2.
  ///
  /// SIGXFSZ is ignored first: a write past the file-size limit (`ulimit -f`) then fails with EFBIG, which the
  /// writer reports as one line naming the output and cleans up after, instead of the signal killing the
  /// process and leaving its temporary file behind. SIGINT, SIGTERM and SIGHUP remove the temporaries being
  /// written before ending the process (``TemporaryFiles``).
  /// - Parameter arguments: the arguments after the program name; nil for the process's own.
  public static func mainExitingWithContractCodes(arguments: [String]? = nil) {
    signal(SIGXFSZ, SIG_IGN)
    TemporaryFiles.installSignalHandlers()
    if asksForRootHelp(arguments ?? Array(CommandLine.arguments.dropFirst())) {
      print(helpIncludingDefaultSubcommand())
      Foundation.exit(0)
    }
    do {
      var command = try parseAsRoot(arguments)
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
