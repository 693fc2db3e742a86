import Foundation
import Testing
import TestSupport

/// docs/CI.md's recipe as `make test` runs it: the bert-convert / bert-verify lines of
/// Examples/github-actions/verify.yml, read from the file, run in a scratch directory that sees the repository's
/// golden/ and Examples/.
@Suite("CI recipe (Examples/github-actions/verify.yml)")
struct CIRecipeTests {
  static let workflow = Fixtures.root + "/Examples/github-actions/verify.yml"

  /// The workflow's `run: bert-convert …` and `run: bert-verify …` lines, split into arguments.
  static func commands() throws -> [[String]] {
    let text = try String(contentsOfFile: workflow, encoding: .utf8)
    return text.split(separator: "\n").compactMap { line in
      let trimmed = line.trimmingCharacters(in: .whitespaces)
      guard trimmed.hasPrefix("run: bert-") else { return nil }
      return trimmed.dropFirst("run: ".count).split(separator: " ").map(String.init)
    }
  }

  /// The workflow's command starting with `tool` (and `subcommand`, when given).
  static func command(_ tool: String, _ subcommand: String? = nil) throws -> [String] {
    try #require(try commands().first { $0[0] == tool && (subcommand == nil ? $0[1] != "golden" : $0[1] == subcommand) },
                 "no `run: \(tool) \(subcommand ?? "")` line in \(workflow)")
  }

  /// A scratch directory laid out like a checkout: golden/ and Examples/ link to the repository's, build/parity exists.
  static func checkout() throws -> TemporaryDirectory {
    let dir = TemporaryDirectory()
    for name in ["golden", "Examples"] {
      try FileManager.default.createSymbolicLink(atPath: dir.file(name), withDestinationPath: Fixtures.root + "/" + name)
    }
    try FileManager.default.createDirectory(atPath: dir.file("build/parity"), withIntermediateDirectories: true)
    return dir
  }

  /// Runs a workflow command with the built binary in `directory`.
  static func runStep(_ command: [String], in directory: String, environment: [String: String] = [:]) throws -> (status: Int32, stdout: String, stderr: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: Binaries.path(command[0]))
    process.arguments = Array(command.dropFirst())
    process.currentDirectoryURL = URL(fileURLWithPath: directory)
    process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
    let out = FileManager.default.temporaryDirectory.appendingPathComponent("ci-step-" + UUID().uuidString)
    FileManager.default.createFile(atPath: out.path + ".out", contents: nil)
    FileManager.default.createFile(atPath: out.path + ".err", contents: nil)
    defer {
      try? FileManager.default.removeItem(atPath: out.path + ".out")
      try? FileManager.default.removeItem(atPath: out.path + ".err")
    }
    process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: out.path + ".out"))
    process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: out.path + ".err"))
    try process.run()
    process.waitUntilExit()
    return (status: process.terminationStatus,
                     stdout: (try? String(contentsOfFile: out.path + ".out", encoding: .utf8)) ?? "",
                     stderr: (try? String(contentsOfFile: out.path + ".err", encoding: .utf8)) ?? "")
  }

  @Test("the workflow holds the three commands of docs/CI.md")
  func workflowCommands() throws {
    let convert = try Self.command("bert-convert")
    let verify = try Self.command("bert-verify")
    let golden = try Self.command("bert-verify", "golden")
    #expect(verify.contains("--junit") && verify.contains("--golden"))
    #expect(golden.contains("-o") && golden.contains("--texts"))
    // The model verify checks is the one convert wrote; the golden is made from the original checkpoint.
    #expect(verify[1] == convert[convert.firstIndex(of: "-o")! + 1])
    #expect(golden[2] == convert[1])
    let doc = try String(contentsOfFile: Fixtures.root + "/docs/CI.md", encoding: .utf8)
    for command in [convert, verify] {
      #expect(doc.contains(command.joined(separator: " ")), "docs/CI.md lacks `\(command.joined(separator: " "))`")
    }
  }

  @Test("convert, then verify against the committed golden: exit 0 and a JUnit report with every testcase passing")
  func convertAndVerify() throws {
    let dir = try Self.checkout()
    let convert = try Self.runStep(try Self.command("bert-convert"), in: dir.path)
    try #require(convert.status == 0, "\(convert.stderr)")
    let verify = try Self.runStep(try Self.command("bert-verify"), in: dir.path)
    #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")
    let lines = try parseJUnit(dir.file("build/parity/junit.xml"))
    #expect(lines.first == "testsuites 7 0 0")
    #expect(lines.dropFirst().allSatisfy { $0.hasSuffix(" ok") })
    let report = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir.file("build/parity/report.json")))) as? [String: Any]
    #expect(report?["pass"] as? Bool == true)
    #expect((report?["tokenization"] as? [String: Any])?["status"] as? String == "pass")
  }

  @Test("a numerical regression in the model (a layer-1 bias moved) fails the verify step: exit 1, JUnit names layer 2")
  func regressionFails() throws {
    let dir = try Self.checkout()
    let convert = try Self.runStep(try Self.command("bert-convert"), in: dir.path)
    try #require(convert.status == 0, "\(convert.stderr)")
    let weights = dir.file("build/parity/model/model.safetensors")
    var (tensors, metadata) = try readTensors(weights)
    tensors.modify("bert.encoder.layer.1.output.dense.bias") { $0[3] += 0.05 }
    try FileManager.default.removeItem(atPath: weights)
    try writeTensors(tensors, metadata: metadata, to: weights)
    tensors.removeAll()

    let verify = try Self.runStep(try Self.command("bert-verify"), in: dir.path)
    #expect(verify.status == 1, "\(verify.stdout)\(verify.stderr)")
    let lines = try parseJUnit(dir.file("build/parity/junit.xml"))
    let failing = lines.dropFirst().filter { $0.contains(" failure:parity:") }
    #expect(failing.first?.hasPrefix("hidden_states.2 ") == true, "\(lines)")
    #expect(failing.allSatisfy { $0.contains("first divergent: layer 2") })
    #expect(lines.contains("hidden_states.1 ok"))
  }

  @Test("the golden step reproduces the committed golden (needs the reference Python)")
  func goldenStep() throws {
    guard haveReferencePython("the CI recipe's golden step"), let python = referencePython else { return }
    let dir = try Self.checkout()
    let golden = try Self.command("bert-verify", "golden")
    let made = try Self.runStep(golden, in: dir.path, environment: ["BERTWEIGHTS_REFERENCE_PYTHON": python])
    try #require(made.status == 0, "\(made.stdout)\(made.stderr)")
    let output = golden[golden.firstIndex(of: "-o")! + 1]
    try expectAgreement(dir.file(output), Fixtures.root + "/Examples/github-actions/golden.safetensors", atol: 1e-6, rtol: 0)
  }
}
