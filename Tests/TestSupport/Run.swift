import Foundation

/// The result of running a program.
public struct RunResult: Sendable {
  public var status: Int32
  public var stdout: String
  public var stderr: String
}

/// Runs `executable` with `arguments` (looked up on PATH when it has no slash), feeding `input` on stdin.
public func run(_ executable: String, _ arguments: [String], input: String? = nil, environment: [String: String]? = nil) throws -> RunResult {
  let process = Process()
  if executable.contains("/") {
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
  } else {
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = [executable] + arguments
  }
  if let environment { process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 } }
  let out = Pipe(), err = Pipe(), inp = Pipe()
  process.standardOutput = out
  process.standardError = err
  process.standardInput = inp
  try process.run()
  if let input { inp.fileHandleForWriting.write(Data(input.utf8)) }
  try inp.fileHandleForWriting.close()
  // Read both pipes concurrently so a full pipe never blocks the child.
  nonisolated(unsafe) var errData = Data()
  let group = DispatchGroup()
  group.enter()
  DispatchQueue.global().async {
    errData = err.fileHandleForReading.readDataToEndOfFile()
    group.leave()
  }
  let outData = out.fileHandleForReading.readDataToEndOfFile()
  group.wait()
  process.waitUntilExit()
  return RunResult(status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                   stderr: String(decoding: errData, as: UTF8.self))
}

/// A Python interpreter for cross-checks: `$BERTWEIGHTS_PYTHON`, else `python3`.
public enum Python {
  public static var executable: String { ProcessInfo.processInfo.environment["BERTWEIGHTS_PYTHON"] ?? "python3" }

  /// True when CI is running us (the `CI` environment variable is set): cross-checks must not be skipped there.
  public static var inCI: Bool { ProcessInfo.processInfo.environment["CI"] != nil }

  /// True when `python -c "import <modules>"` succeeds.
  public static func canImport(_ modules: [String]) -> Bool {
    (try? run(executable, ["-c", "import " + modules.joined(separator: ", ")]))?.status == 0
  }
}

/// The package's built executables, found beside the running test bundle.
public enum Binaries {
  /// The build products directory (where `swift build` put bert-convert and bert-verify).
  public static let directory: String = {
    let argument0 = URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL
    var url = argument0.deletingLastPathComponent()
    // On Linux the test runner is `…/debug/<package>PackageTests.xctest`; elsewhere it may sit inside a bundle.
    while url.path != "/" && !FileManager.default.fileExists(atPath: url.appendingPathComponent("bert-convert").path) {
      url.deleteLastPathComponent()
    }
    return url.path == "/" ? Fixtures.root + "/.build/debug" : url.path
  }()

  public static func path(_ name: String) -> String { directory + "/" + name }
}
