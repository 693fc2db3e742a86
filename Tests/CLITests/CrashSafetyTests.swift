import Foundation
import SafeTensors
import Testing
import TestSupport

/// The built bert-convert killed with SIGKILL at many moments, and writing to a full disk: nothing is ever at the
/// output path except a complete conversion — at most a hidden `.NAME.tmp-XXXXXX` file or directory remains,
/// which the next run ignores.
@Suite("Crash-safe output", .serialized)
struct CrashSafetyTests {
  static let tool = Binaries.path("bert-convert")
  static let vocabulary = 32_768

  /// The seqcls model with its vocabulary grown to 32768 words (a 4 MB word-embedding matrix), so that a
  /// conversion to f16 takes long enough (a few hundred ms in a debug build) to be killed while it writes.
  static func makeSource() -> TemporaryDirectory {
    let dir = TemporaryDirectory("CrashSafetySource")
    do {
      let fixture = Fixtures.path("models/seqcls/safetensors")
      let original = try SafeTensorsFile(path: fixture + "/model.safetensors")
      let big = "bert.embeddings.word_embeddings.weight"
      let headers = original.tensors.map { tensor in
        TensorHeader(name: tensor.name, dtype: tensor.dtype, shape: tensor.name == big ? [vocabulary, tensor.shape[1]] : tensor.shape)
      }
      let writer = try SafeTensorsWriter(path: dir.file("model.safetensors"), tensors: headers, metadata: original.metadata)
      let ramp = (0..<(1 << 16)).map { Float($0 % 1000) / 1000 }
      for (tensor, header) in zip(original.tensors, headers) {
        if tensor.name == big {
          var remaining = header.shape.reduce(1, *)
          while remaining > 0 {
            let count = min(remaining, ramp.count)
            try ramp[0..<count].withUnsafeBytes { try writer.write($0) }
            remaining -= count
          }
        } else {
          try tensor.withUnsafeBytes { try writer.write($0) }
        }
      }
      try writer.finish()
      let config = FileManagerShim.read(fixture + "/config.json") ?? []
      let text = String(decoding: config, as: UTF8.self).replacingOccurrences(of: "\"vocab_size\": 128", with: "\"vocab_size\": \(vocabulary)")
      FileManagerShim.write(Array(text.utf8), to: dir.file("config.json"))
    } catch {
      Issue.record("cannot build the large source model: \(error)")
    }
    return dir
  }

  /// When to kill a conversion.
  enum Moment: CustomStringConvertible, Sendable {
    /// This long after the process was started (0: right away).
    case after(milliseconds: Int)
    /// As soon as a hidden temporary file or directory appears beside the output.
    case temporaryCreated
    /// Once the hidden temporary file (or the staged model.safetensors) holds this many bytes.
    case temporaryHolds(bytes: Int)
    /// Once the staging directory holds its finished model.safetensors (directory output only).
    case stagedWeights

    var description: String {
      switch self {
      case .after(let ms): "\(ms) ms after start"
      case .temporaryCreated: "when the temporary appears"
      case .temporaryHolds(let bytes): "when the temporary holds \(bytes) bytes"
      case .stagedWeights: "when the staged model.safetensors is complete"
      }
    }
  }

  static let moments: [Moment] = [
    .after(milliseconds: 0), .after(milliseconds: 3), .after(milliseconds: 15), .after(milliseconds: 60),
    .temporaryCreated, .temporaryHolds(bytes: 64 << 10), .temporaryHolds(bytes: 1 << 20),
  ]

  /// Hidden entries of `directory` whose names mark them as a conversion's temporary.
  static func temporaries(in directory: String) -> [String] {
    FileManagerShim.list(directory).filter { $0.hasPrefix(".") && $0.contains(".tmp-") }
  }

  /// Bytes of the file being written: the temporary file itself, or model.safetensors or its temporary inside a
  /// staging directory.
  static func temporaryBytes(in directory: String) -> Int {
    var total = 0
    for name in temporaries(in: directory) {
      let path = directory + "/" + name
      var isDirectory: ObjCBool = false
      guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { continue }
      let files = isDirectory.boolValue ? FileManagerShim.list(path).map { path + "/" + $0 } : [path]
      for file in files {
        total += ((try? FileManager.default.attributesOfItem(atPath: file))?[.size] as? Int) ?? 0
      }
    }
    return total
  }

  static func reached(_ moment: Moment, in directory: String, started: ContinuousClock.Instant) -> Bool {
    switch moment {
    case .after(let ms): ContinuousClock.now - started >= .milliseconds(ms)
    case .temporaryCreated: !temporaries(in: directory).isEmpty
    case .temporaryHolds(let bytes): temporaryBytes(in: directory) >= bytes
    case .stagedWeights:
      temporaries(in: directory).contains { FileManagerShim.list(directory + "/" + $0).contains("model.safetensors") }
    }
  }

  /// Starts `bert-convert SOURCE -o output --dtype f16`, kills it with SIGKILL at `moment` (unless it finished
  /// first) and returns whether it was killed.
  static func convertAndKill(_ source: TemporaryDirectory, to output: String, at moment: Moment) throws -> Bool {
    let directory = (output as NSString).deletingLastPathComponent
    let process = Process()
    process.executableURL = URL(fileURLWithPath: tool)
    process.arguments = [source.path, "-o", output, "--dtype", "f16"]
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    let started = ContinuousClock.now
    try process.run()
    while process.isRunning && !reached(moment, in: directory, started: started) {
      if ContinuousClock.now - started > .seconds(20) { break }
      usleep(100)
    }
    kill(process.processIdentifier, SIGKILL)
    process.waitUntilExit()
    return process.terminationReason == .uncaughtSignal && process.terminationStatus == SIGKILL
  }

  /// After a kill: nothing at `output` unless the conversion finished first, and nothing beside it but hidden
  /// temporaries.
  static func checkAfterKill(output: String, killed: Bool, moment: Moment, weights: String) throws {
    let directory = (output as NSString).deletingLastPathComponent
    if killed {
      #expect(!FileManagerShim.exists(output), "killed \(moment): something is at \(output)")
    } else {
      #expect((try? SafeTensorsFile(path: weights))?.tensors.count == 41, "finished before \(moment) but the output is not complete")
      try FileManager.default.removeItem(atPath: output)
    }
    let strays = FileManagerShim.list(directory).filter { !($0.hasPrefix(".") && $0.contains(".tmp-")) }
    #expect(strays.isEmpty, "killed \(moment): unexpected entries \(strays)")
  }

  /// The run after the kills, with every temporary they left still beside the output: it succeeds, writes a
  /// complete canonical file and removes the leftovers (their processes are gone).
  static func checkNextRun(_ source: TemporaryDirectory, output: String, weights: String) throws {
    let result = try run(tool, [source.path, "-o", output, "--dtype", "f16"])
    #expect(result.status == 0, "the run after the kills failed: \(result.stderr)")
    let directory = (output as NSString).deletingLastPathComponent
    #expect(temporaries(in: directory).isEmpty, "the next run left the killed runs' temporaries: \(temporaries(in: directory))")
    let file = try SafeTensorsFile(path: weights)
    #expect(file.tensors.count == 41)
    #expect(file["bert.embeddings.word_embeddings.weight"]?.shape == [vocabulary, 32])
  }

  @Test("a conversion to OUT.safetensors killed at any moment leaves nothing at OUT; the next run succeeds")
  func killedFileOutput() throws {
    let source = Self.makeSource()
    let dir = TemporaryDirectory()
    let output = dir.file("model.safetensors")
    var kills = 0
    for moment in Self.moments {
      let killed = try Self.convertAndKill(source, to: output, at: moment)
      if killed { kills += 1 }
      try Self.checkAfterKill(output: output, killed: killed, moment: moment, weights: output)
    }
    // The temporary-file moments fall inside the write; at least those must have killed a running conversion.
    #expect(kills >= 3, "only \(kills) of \(Self.moments.count) kills hit a running conversion")
    #expect(!Self.temporaries(in: dir.path).isEmpty, "no kill left a temporary file, so the next run is not tested with one")
    try Self.checkNextRun(source, output: output, weights: output)
  }

  @Test("a conversion to a directory killed at any moment leaves nothing at OUT; the next run succeeds")
  func killedDirectoryOutput() throws {
    let source = Self.makeSource()
    let dir = TemporaryDirectory()
    let output = dir.file("converted")
    var kills = 0
    for moment in Self.moments + [.stagedWeights] {
      let killed = try Self.convertAndKill(source, to: output, at: moment)
      if killed { kills += 1 }
      try Self.checkAfterKill(output: output, killed: killed, moment: moment, weights: output + "/model.safetensors")
    }
    #expect(kills >= 3, "only \(kills) kills hit a running conversion")
    try Self.checkNextRun(source, output: output, weights: output + "/model.safetensors")
  }

  /// Runs bert-convert under `ulimit -f` (512-byte blocks in dash, 1 KiB in bash: either way far below the output).
  static func convertWithFileSizeLimit(_ arguments: [String]) throws -> RunResult {
    try run("/bin/sh", ["-c", "ulimit -f 40; exec \"$0\" \"$@\"", tool] + arguments)
  }

  static func expectCleanFailure(_ result: RunResult, output: String, mentioning reason: String) {
    #expect(result.status == 2, "exit \(result.status): \(result.stderr)")
    let lines = result.stderr.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
    #expect(lines.count == 1, "stderr is not one line: \(result.stderr)")
    #expect(result.stderr.contains(output), "stderr does not name \(output): \(result.stderr)")
    #expect(result.stderr.contains(reason), "stderr does not say '\(reason)': \(result.stderr)")
    #expect(!FileManagerShim.exists(output))
  }

  @Test("a file-size limit (ulimit -f) is one line naming the output, exit 2, and nothing left behind",
        arguments: ["model.safetensors", "converted"])
  func fileSizeLimit(name: String) throws {
    let dir = TemporaryDirectory()
    let output = dir.file(name)
    let result = try Self.convertWithFileSizeLimit([Fixtures.path("models/seqcls/safetensors"), "-o", output])
    Self.expectCleanFailure(result, output: output, mentioning: "File too large")
    #expect(FileManagerShim.list(dir.path).isEmpty, "left behind: \(FileManagerShim.list(dir.path))")
  }

  @Test("a full file system (a 64 KB tmpfs) is one line naming the output, exit 2, and nothing left behind",
        .enabled(if: geteuid() == 0, "mounting a tmpfs needs root"), arguments: ["model.safetensors", "converted"])
  func fullDisk(name: String) throws {
    let mountPoint = TemporaryDirectory()
    guard (try? run("mount", ["-t", "tmpfs", "-o", "size=64k", "tmpfs", mountPoint.path]))?.status == 0 else {
      return  // no CAP_SYS_ADMIN (an unprivileged container): the ulimit test covers the writer's error path
    }
    defer { _ = try? run("umount", [mountPoint.path]) }
    let output = mountPoint.file(name)
    let result = try run(Self.tool, [Fixtures.path("models/seqcls/safetensors"), "-o", output])
    Self.expectCleanFailure(result, output: output, mentioning: "No space left on device")
    #expect(FileManagerShim.list(mountPoint.path).isEmpty, "left behind: \(FileManagerShim.list(mountPoint.path))")
  }
}
