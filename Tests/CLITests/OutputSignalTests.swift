import Foundation
import SafeTensors
import Testing
import TestSupport

/// The built bert-convert interrupted (SIGINT, SIGTERM), raced by another process creating its output, and
/// reading a source that another process truncates — docs/SECURITY.md, "Output rules".
@Suite("Output rules, against the running tool", .serialized)
struct OutputSignalTests {
  static let tool = CrashSafetyTests.tool

  /// Starts `bert-convert SOURCE -o output --dtype f16 [extra]`, waits until its temporary holds `bytes`, then runs
  /// `act` and waits for the process. Returns nil when the conversion finished before the moment came.
  static func interrupt(_ source: String, to output: String, extra: [String] = [], atBytes bytes: Int,
                        _ act: (Process) -> Void) throws -> (status: Int32, reason: Process.TerminationReason, stderr: String)? {
    let directory = (output as NSString).deletingLastPathComponent
    let process = Process()
    process.executableURL = URL(fileURLWithPath: tool)
    process.arguments = [source, "-o", output, "--dtype", "f16"] + extra
    let err = Pipe()
    process.standardOutput = FileHandle.nullDevice
    process.standardError = err
    let started = ContinuousClock.now
    try process.run()
    while process.isRunning && CrashSafetyTests.temporaryBytes(in: directory) < bytes {
      if ContinuousClock.now - started > .seconds(20) { break }
      usleep(100)
    }
    let reached = process.isRunning
    if reached { act(process) }
    let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    return reached ? (process.terminationStatus, process.terminationReason, stderr) : nil
  }

  @Test("SIGINT or SIGTERM during a conversion removes its temporary and ends the process by that signal",
        arguments: [SIGINT, SIGTERM], ["model.safetensors", "converted"])
  func signalRemovesTemporary(signal: Int32, name: String) throws {
    let source = CrashSafetyTests.makeSource()
    let dir = TemporaryDirectory()
    let output = dir.file(name)
    var hits = 0
    for _ in 0..<3 where hits == 0 {
      guard let result = try Self.interrupt(source.path, to: output, atBytes: 64 << 10, { kill($0.processIdentifier, signal) }) else {
        try? FileManager.default.removeItem(atPath: output)
        continue
      }
      hits += 1
      #expect(result.reason == .uncaughtSignal && result.status == signal, "ended with \(result.reason) \(result.status)")
      #expect(FileManagerShim.list(dir.path).isEmpty, "left behind: \(FileManagerShim.list(dir.path))")
    }
    #expect(hits > 0, "every conversion finished before it could be interrupted")
  }

  @Test("SIGTERM also removes the parent directories the run created for its output")
  func signalRemovesCreatedParents() throws {
    let source = CrashSafetyTests.makeSource()
    let dir = TemporaryDirectory()
    let output = dir.file("a/b/model.safetensors")
    var hits = 0
    for _ in 0..<3 where hits == 0 {
      // The temporaries are inside a/b, so the wait looks there (created by the run itself).
      let process = Process()
      process.executableURL = URL(fileURLWithPath: Self.tool)
      process.arguments = [source.path, "-o", output, "--dtype", "f16"]
      process.standardOutput = FileHandle.nullDevice
      process.standardError = FileHandle.nullDevice
      let started = ContinuousClock.now
      try process.run()
      while process.isRunning && CrashSafetyTests.temporaryBytes(in: dir.file("a/b")) < 64 << 10 {
        if ContinuousClock.now - started > .seconds(20) { break }
        usleep(100)
      }
      guard process.isRunning else {
        process.waitUntilExit()
        try? FileManager.default.removeItem(atPath: dir.file("a"))
        continue
      }
      kill(process.processIdentifier, SIGTERM)
      process.waitUntilExit()
      hits += 1
      #expect(process.terminationReason == .uncaughtSignal && process.terminationStatus == SIGTERM)
      #expect(FileManagerShim.list(dir.path).isEmpty, "left behind: \(FileManagerShim.list(dir.path))")
    }
    #expect(hits > 0, "every conversion finished before it could be interrupted")
  }

  @Test("an output that appears while converting without --force is left alone: exit 2, one line, no temporary",
        arguments: ["model.safetensors", "converted"])
  func appearingOutputIsKept(name: String) throws {
    let source = CrashSafetyTests.makeSource()
    let dir = TemporaryDirectory()
    let output = dir.file(name)
    var hits = 0
    for _ in 0..<3 where hits == 0 {
      guard let result = try Self.interrupt(source.path, to: output, atBytes: 64 << 10, { _ in
        if name.hasSuffix(".safetensors") {
          FileManagerShim.write(Array("mine".utf8), to: output)
        } else {
          try? FileManager.default.createDirectory(atPath: output, withIntermediateDirectories: false)
          FileManagerShim.write(Array("mine".utf8), to: output + "/notes.txt")
        }
      }) else {
        try? FileManager.default.removeItem(atPath: output)
        continue
      }
      hits += 1
      #expect(result.status == 2 && result.reason == .exit, "exit \(result.status): \(result.stderr)")
      #expect(result.stderr.split(separator: "\n").count == 1 && result.stderr.contains("appeared while converting"), "\(result.stderr)")
      let mine = name.hasSuffix(".safetensors") ? output : output + "/notes.txt"
      #expect(FileManagerShim.read(mine) == Array("mine".utf8))
      #expect(FileManagerShim.list(dir.path) == [name], "left behind: \(FileManagerShim.list(dir.path))")
      if !name.hasSuffix(".safetensors") { #expect(FileManagerShim.list(output) == ["notes.txt"]) }
    }
    #expect(hits > 0, "every conversion finished before its output could appear")
  }

  @Test("a source truncated by another process while converting is exit 2 naming it, not SIGBUS; nothing is left")
  func truncatedSource() throws {
    let source = CrashSafetyTests.makeSource()
    let dir = TemporaryDirectory()
    let output = dir.file("model.safetensors")
    let weights = source.file("model.safetensors")
    var hits = 0
    for _ in 0..<3 where hits == 0 {
      guard let result = try Self.interrupt(source.path, to: output, atBytes: 64 << 10, { _ in _ = truncate(weights, 8192) }) else {
        try? FileManager.default.removeItem(atPath: output)
        continue
      }
      hits += 1
      #expect(result.reason == .exit && result.status == 2, "ended with \(result.reason) \(result.status): \(result.stderr)")
      #expect(result.stderr.split(separator: "\n").count == 1, "\(result.stderr)")
      #expect(result.stderr.contains(weights) && result.stderr.contains("shrank"), "\(result.stderr)")
      #expect(FileManagerShim.list(dir.path).isEmpty, "left behind: \(FileManagerShim.list(dir.path))")
    }
    #expect(hits > 0, "every conversion finished before the source could be truncated")
  }
}
