import Foundation
import Testing
import TestSupport

/// libhdf5 runs only in bert-hdf5-reader, a child under seccomp and rlimits (docs/SECURITY.md). The reader's test
/// hook (`BERTWEIGHTS_HDF5_READER_TEST_FAULT`, honoured in debug builds only) does, after the filter is in place,
/// what a file exploiting libhdf5 would: crash, hang, open a socket, exec, write a file, exhaust memory. Each must
/// end as exit 2 and one line naming the file — the parent never crashes, hangs or prints more.
@Suite("libhdf5 contained in a sandboxed child")
struct HDF5SandboxTests {
  static let model = Fixtures.path("models/seqcls/h5")
  static let file = model + "/tf_model.h5"
  /// The hooks exist in debug builds only.
  static let hooksBuilt = !Binaries.directory.contains("/release")

  func convert(fault: String?, extra: [String: String] = [:]) throws -> (RunResult, Double) {
    let dir = TemporaryDirectory()
    var environment = extra
    if let fault { environment["BERTWEIGHTS_HDF5_READER_TEST_FAULT"] = fault }
    let start = Date()
    let result = try run(Binaries.path("bert-convert"), [Self.model, "-o", dir.path + "/out.safetensors"], environment: environment)
    return (result, Date().timeIntervalSince(start))
  }

  func expectOneLine(_ result: RunResult, _ expected: String, sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(result.status == 2, "exit \(result.status): \(result.stderr)", sourceLocation: sourceLocation)
    #expect(result.stderr.split(separator: "\n", omittingEmptySubsequences: false).count == 2 && result.stderr.hasSuffix("\n"),
            "not exactly one line: \(result.stderr)", sourceLocation: sourceLocation)
    #expect(result.stderr.contains("libhdf5 failed reading \(Self.file): \(expected)"), "\(result.stderr)", sourceLocation: sourceLocation)
  }

  @Test("the sandboxed reader converts the fixture to the same bytes as the safetensors source")
  func converts() throws {
    let dir = TemporaryDirectory()
    let fromH5 = try run(Binaries.path("bert-convert"), [Self.model, "-o", dir.path + "/a.safetensors"])
    let fromST = try run(Binaries.path("bert-convert"), [Fixtures.path("models/seqcls/safetensors"), "-o", dir.path + "/b.safetensors"])
    #expect(fromH5.status == 0, "\(fromH5.stderr)")
    #expect(fromST.status == 0, "\(fromST.stderr)")
    #expect(FileManager.default.contents(atPath: dir.path + "/a.safetensors") == FileManager.default.contents(atPath: dir.path + "/b.safetensors"))
  }

  @Test("a crash inside the reader is one line: signal 11", .enabled(if: hooksBuilt))
  func crash() throws {
    expectOneLine(try convert(fault: "segv").0, "signal 11")
  }

  @Test("socket() and execve() after the filter kill the reader: signal 31, one line", .enabled(if: hooksBuilt), arguments: ["socket", "exec"])
  func forbiddenCalls(fault: String) throws {
    expectOneLine(try convert(fault: fault).0, "signal 31")
  }

  @Test("a hanging reader is killed at the timeout: one line, no hang", .enabled(if: hooksBuilt), arguments: ["sleep", "spin"])
  func timeout(fault: String) throws {
    let (result, seconds) = try convert(fault: fault, extra: ["BERTWEIGHTS_HDF5_TIMEOUT": "1"])
    expectOneLine(result, "no answer within 1 s")
    #expect(seconds < 30)
  }

  @Test("the reader cannot create a file (openat for writing is refused)", .enabled(if: hooksBuilt))
  func noWrites() throws {
    let escaped = "/tmp/bert-hdf5-reader-escaped"
    try? FileManager.default.removeItem(atPath: escaped)
    let (result, _) = try convert(fault: "write")
    #expect(result.status == 0, "\(result.stderr)")
    #expect(!FileManager.default.fileExists(atPath: escaped))
  }

  @Test("the reader's address space is limited: asking for more than 3 GiB fails inside it", .enabled(if: hooksBuilt))
  func memoryLimit() throws {
    expectOneLine(try convert(fault: "memory").0, "exit status 4")
  }

  @Test("a missing reader binary is one line naming the file")
  func missingReader() throws {
    let (result, _) = try convert(fault: nil, extra: ["BERTWEIGHTS_HDF5_READER": "/nonexistent/bert-hdf5-reader"])
    #expect(result.status == 2)
    #expect(result.stderr.contains("bert-hdf5-reader"))
    #expect(result.stderr.contains(Self.file))
  }
}
