import CLISupport
import Foundation

/// Why `bert-verify golden` could not run its reference: one line for the CLI, exit 2.
struct ReferenceError: Error, CustomStringConvertible {
  var description: String
  init(_ description: String) { self.description = description }
}

/// The Python that runs the reference side of `bert-verify golden` (docs/GOLDEN.md, "Making a golden"):
/// `$BERTWEIGHTS_REFERENCE_PYTHON` used as it is, else a virtualenv with pinned versions that the tool creates on
/// first use in `$XDG_CACHE_HOME/bertweights/reference-venv` (default `~/.cache/bertweights/reference-venv`).
enum ReferencePython {
  static let environmentVariable = "BERTWEIGHTS_REFERENCE_PYTHON"

  /// golden/requirements.txt without TensorFlow (a Keras .h5 is read with h5py), plus sentence-transformers for
  /// models with a modules.json. The venv is rebuilt when these change.
  static let requirements = """
    torch==2.13.0+cpu
    transformers==4.57.6
    tokenizers==0.22.2
    huggingface-hub==0.36.2
    sentence-transformers==5.7.0
    safetensors==0.8.0
    h5py==3.16.0
    numpy==2.4.6

    """

  /// The cache directory of the pinned environment.
  static var venvDirectory: String {
    let env = ProcessInfo.processInfo.environment
    let cache = env["XDG_CACHE_HOME"].flatMap { $0.isEmpty ? nil : $0 }
      ?? (env["HOME"] ?? NSHomeDirectory()) + "/.cache"
    return cache + "/bertweights/reference-venv"
  }

  /// The interpreter to run, creating the pinned environment when needed (its progress on stderr).
  /// - Throws: ``ReferenceError`` naming what is missing: no python3, no venv module or pip, a failed install.
  static func resolve() throws -> String {
    let env = ProcessInfo.processInfo.environment
    if let named = env[environmentVariable], !named.isEmpty {
      guard let path = executable(named) else {
        throw ReferenceError("\(environmentVariable)=\(named) is not an executable Python")
      }
      return path
    }
    let venv = venvDirectory
    let python = venv + "/bin/python"
    let stamp = venv + "/.bertweights-requirements.txt"
    if FileManager.default.isExecutableFile(atPath: python),
       (try? String(contentsOfFile: stamp, encoding: .utf8)) == requirements {
      return python
    }
    guard let system = executable("python3") else {
      throw ReferenceError("bert-verify golden runs transformers in Python, and there is no python3 on PATH: install Python 3 (with venv and pip), or set \(environmentVariable) to a Python that has torch, transformers and safetensors")
    }
    printError("bert-verify golden: creating the reference environment \(venv) (torch, transformers, sentence-transformers; once)")
    try? FileManager.default.removeItem(atPath: venv)
    try FileManager.default.createDirectory(atPath: venv, withIntermediateDirectories: true)
    let created = try Subprocess.run(system, ["-m", "venv", venv], passStderr: true)
    guard created.status == 0, FileManager.default.isExecutableFile(atPath: python) else {
      throw ReferenceError("\(system) -m venv \(venv) failed (exit \(created.status)): Python's venv module or pip is missing (Debian/Ubuntu: apt-get install python3-venv), or set \(environmentVariable)")
    }
    let requirementsFile = venv + "/requirements.txt"
    try requirements.write(toFile: requirementsFile, atomically: true, encoding: .utf8)
    let pip = try Subprocess.run(python, ["-m", "pip", "install", "-q", "--disable-pip-version-check", "-r", requirementsFile], passStderr: true)
    guard pip.status == 0 else {
      throw ReferenceError("pip could not install the reference environment into \(venv) (exit \(pip.status), its messages above); the pins are in \(requirementsFile) — or set \(environmentVariable) to a Python that has them")
    }
    try requirements.write(toFile: stamp, atomically: true, encoding: .utf8)
    return python
  }

  /// `name` itself when it holds a slash and is executable, else the first executable `name` on PATH.
  static func executable(_ name: String) -> String? {
    if name.contains("/") { return FileManager.default.isExecutableFile(atPath: name) ? name : nil }
    let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
    for directory in path.split(separator: ":") where !directory.isEmpty {
      let candidate = directory + "/" + name
      if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
    }
    return nil
  }
}

/// Runs a child process to completion.
enum Subprocess {
  struct Result {
    var status: Int32
    var stdout: String
    var stderr: String
  }

  /// Runs `executable` with `arguments`; `environment` is added to ours. With `passStderr` the child writes to
  /// our stderr directly (pip's progress), otherwise its stderr is captured.
  static func run(_ executable: String, _ arguments: [String], environment: [String: String] = [:],
                  passStderr: Bool = false) throws -> Result {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
    process.standardInput = FileHandle.nullDevice
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = passStderr ? FileHandle.standardError : err
    do {
      try process.run()
    } catch {
      throw ReferenceError("cannot run \(executable): \(error.localizedDescription)")
    }
    nonisolated(unsafe) var errData = Data()
    let group = DispatchGroup()
    if !passStderr {
      group.enter()
      DispatchQueue.global().async {
        errData = err.fileHandleForReading.readDataToEndOfFile()
        group.leave()
      }
    }
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    group.wait()
    process.waitUntilExit()
    return Result(status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                  stderr: String(decoding: errData, as: UTF8.self))
  }
}
