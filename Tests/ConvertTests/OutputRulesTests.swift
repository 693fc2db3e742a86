import Foundation
import Testing
import TestSupport
@testable import Convert
@testable import SafeTensors

/// The output rules of docs/SECURITY.md, one test per rule, through `Conversion.run` and `OutputPath`.
@Suite("Output rules")
struct OutputRulesTests {
  let dir = TemporaryDirectory()
  static let source = Fixtures.path("models/seqcls/safetensors")

  func conversionError(_ source: String, _ output: String, force: Bool = false) -> ConvertError? {
    do {
      try Conversion.run(source: source, output: output, force: force)
      return nil
    } catch let error as ConvertError {
      return error
    } catch {
      return ConvertError(.unsupported, file: "", "unexpected error type: \(error)")
    }
  }

  /// Name → bytes of every file in a directory.
  func snapshot(_ directory: String) -> [String: [UInt8]] {
    var files: [String: [UInt8]] = [:]
    for name in FileManagerShim.list(directory) { files[name] = FileManagerShim.read(directory + "/" + name) }
    return files
  }

  @Test("--force on a directory replaces the tool's files, removes its stale ones, and keeps every other file")
  func forceKeepsOtherFiles() throws {
    let out = dir.file("out")
    try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: false)
    FileManagerShim.write(Array("notes".utf8), to: out + "/README.md")
    FileManagerShim.write([9], to: out + "/model.safetensors")
    FileManagerShim.write([8], to: out + "/tokenizer.json")  // another model's tokenizer: not in the source
    FileManagerShim.write([7], to: out + "/model-00001-of-00002.safetensors")
    FileManagerShim.write([6], to: out + "/model-notes.safetensors")
    try FileManager.default.createDirectory(atPath: out + "/runs", withIntermediateDirectories: false)
    try Conversion.run(source: Self.source, output: out, force: true)
    #expect(FileManagerShim.list(out) == ["README.md", "config.json", "model-notes.safetensors", "model.safetensors",
                                          "runs", "tokenizer_config.json", "vocab.txt"])
    #expect(FileManagerShim.read(out + "/README.md") == Array("notes".utf8))
    try Conversion.run(source: Self.source, output: dir.file("fresh"))
    let same = ["model.safetensors", "config.json", "vocab.txt"].filter {
      fileSHA(out + "/" + $0) == fileSHA(dir.file("fresh/" + $0))
    }
    #expect(same.count == 3, "differs from a fresh conversion: only \(same) are the same")
  }

  @Test("a directory output equal to the source, inside it or holding it is refused, however it is spelled")
  func overlapRefused() throws {
    let model = try copyFixture("models/seqcls/safetensors", into: dir)
    try FileManager.default.createSymbolicLink(atPath: dir.file("alias"), withDestinationPath: model)
    let before = snapshot(model)
    let cases: [(String, String)] = [
      (model, "is the source directory"), (model + "/.", "is the source directory"), (dir.file("alias"), "is the source directory"),
      (dir.file("alias") + "/converted", "inside the source directory"), (model + "/a/b", "inside the source directory"),
      (dir.path, "holds the source directory"), (dir.path + "/../" + URL(fileURLWithPath: dir.path).lastPathComponent, "holds the source directory"),
    ]
    for (output, reason) in cases {
      let error = conversionError(model, output, force: true)
      #expect(error?.code == .output, "\(output): \(String(describing: error))")
      #expect(error?.description.contains(reason) == true, "\(output): \(String(describing: error))")
    }
    #expect(snapshot(model) == before)
    #expect(!FileManagerShim.exists(model + "/a"))
  }

  @Test("a file output that is one of the source's files is refused, even through a symlink")
  func sourceFileRefused() throws {
    let model = try copyFixture("models/seqcls/safetensors", into: dir)
    try FileManager.default.createSymbolicLink(atPath: dir.file("link.safetensors"), withDestinationPath: model + "/model.safetensors")
    let before = snapshot(model)
    for output in [model + "/model.safetensors", dir.file("link.safetensors")] {
      let error = conversionError(model, output, force: true)
      #expect(error?.description.contains("is the source file") == true, "\(output): \(String(describing: error))")
    }
    #expect(snapshot(model) == before)
    // Beside the source files, under another name, is allowed: no file that is read is touched.
    try Conversion.run(source: model, output: model + "/canonical.safetensors")
    #expect(snapshot(model).count == before.count + 1)
  }

  @Test("a device, FIFO or socket at OUT is refused with --force, and stays what it was")
  func specialFilesRefused() throws {
    let fifo = dir.file("pipe")
    #expect(mkfifo(fifo, 0o644) == 0)
    #expect(mkfifo(fifo + ".safetensors", 0o644) == 0)
    for output in [fifo, "/dev/null", fifo + ".safetensors"] {
      let error = conversionError(Self.source, output, force: true)
      #expect(error?.code == .output, "\(output): \(String(describing: error))")
      #expect(error?.description.contains(output.hasPrefix("/dev") ? "is a device" : "is a FIFO") == true, "\(String(describing: error))")
    }
    var info = stat()
    #expect(stat("/dev/null", &info) == 0 && (info.st_mode & S_IFMT) == S_IFCHR, "/dev/null is no longer a device")
    #expect(lstat(fifo, &info) == 0 && (info.st_mode & S_IFMT) == S_IFIFO)
  }

  @Test("missing parent directories are created; a failing conversion removes the ones it made")
  func parentsCreated() throws {
    try Conversion.run(source: Self.source, output: dir.file("a/b/c/model.safetensors"))
    #expect(FileManagerShim.exists(dir.file("a/b/c/model.safetensors")))
    // A FIFO among the tokenizer files fails the directory output after the weights are written.
    let model = try copyFixture("models/seqcls/safetensors", into: dir)
    try FileManager.default.removeItem(atPath: model + "/vocab.txt")
    #expect(mkfifo(model + "/vocab.txt", 0o644) == 0)
    let error = conversionError(model, dir.file("x/y/out"))
    #expect(error != nil)
    #expect(!FileManagerShim.exists(dir.file("x")), "a parent made for a failed conversion was left")
  }

  @Test("leftovers of killed runs for the same OUT are removed; live runs' and other files are not")
  func staleTemporariesRemoved() throws {
    // A process id that is surely gone: a child that has exited and been reaped.
    let child = Process()
    child.executableURL = URL(fileURLWithPath: "/bin/true")
    try child.run()
    child.waitUntilExit()
    let dead = child.processIdentifier
    let live = getpid()
    let stale = [".out.tmp-\(dead)-AbC123", ".out.safetensors.tmp-\(dead)-xYz789"]
    let kept = [".out.tmp-\(live)-AbC123", ".out.tmp-notes", ".out.tmp-\(dead)-x", ".other.tmp-\(dead)-AbC123"]
    for name in stale + kept { FileManagerShim.write([1], to: dir.file(name)) }
    try FileManager.default.createDirectory(atPath: dir.file(".out.tmp-\(dead)-DiR456"), withIntermediateDirectories: false)
    FileManagerShim.write([1], to: dir.file(".out.tmp-\(dead)-DiR456/model.safetensors"))
    try Conversion.run(source: Self.source, output: dir.file("out"))
    try Conversion.run(source: Self.source, output: dir.file("out.safetensors"))
    #expect(Set(FileManagerShim.list(dir.path)) == Set(kept + ["out", "out.safetensors"]))
  }

  @Test("publishing without replacing never replaces what appeared meanwhile; the writer removes its temporary")
  func noReplaceAtTheFinalStep() throws {
    let path = dir.file("w.safetensors")
    let writer = try SafeTensorsWriter(path: path, tensors: [TensorHeader(name: "x", dtype: .f32, shape: [1])], replacing: false)
    try [Float(1)].withUnsafeBytes { try writer.write($0) }
    FileManagerShim.write(Array("mine".utf8), to: path)  // appears after the check a caller made at the start
    #expect(throws: SafeTensorsError.self) { try writer.finish() }
    #expect(FileManagerShim.read(path) == Array("mine".utf8))
    #expect(FileManagerShim.list(dir.path) == ["w.safetensors"])
    // The same for a directory published without replacing.
    let staging = try OutputPath.makeStagingDirectory(for: dir.file("d"))
    defer { staging.registration.unregister() }
    try FileManager.default.createDirectory(atPath: dir.file("d"), withIntermediateDirectories: false)
    #expect(throws: SafeTensorsError.self) { try OutputPath.publish(staging.path, at: dir.file("d"), replacing: false) }
    #expect(FileManagerShim.exists(staging.path))
  }

  @Test("a replacement that fails half-way puts every file back and leaves no backups")
  func failedReplacementRestores() throws {
    let out = dir.file("out")
    let staging = dir.file("staging")
    try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: false)
    try FileManager.default.createDirectory(atPath: staging, withIntermediateDirectories: false)
    for name in ["a", "b", "stale"] { FileManagerShim.write(Array("old \(name)".utf8), to: out + "/" + name) }
    FileManagerShim.write(Array("new a".utf8), to: staging + "/a")
    FileManagerShim.write(Array("new c".utf8), to: staging + "/c")
    // "b" is not in the staging directory, so its move fails after "a" was replaced and "c" created.
    #expect(throws: SafeTensorsError.self) {
      try OutputPath.replaceFiles(["a", "c", "b"], from: staging, into: out, removing: ["stale"])
    }
    #expect(snapshot(out) == ["a": Array("old a".utf8), "b": Array("old b".utf8), "stale": Array("old stale".utf8)] as [String: [UInt8]],
            "\(FileManagerShim.list(out))")
    // And the same call with everything staged succeeds.
    FileManagerShim.write(Array("new a".utf8), to: staging + "/a")
    FileManagerShim.write(Array("new b".utf8), to: staging + "/b")
    FileManagerShim.write(Array("new c".utf8), to: staging + "/c")
    try OutputPath.replaceFiles(["a", "b", "c"], from: staging, into: out, removing: ["stale"])
    #expect(snapshot(out) == ["a": Array("new a".utf8), "b": Array("new b".utf8), "c": Array("new c".utf8)])
  }

  @Test("a source that shrinks while it is read is an error naming it, not SIGBUS")
  func shrinkingSource() throws {
    let path = dir.file("x.safetensors")
    let data = [Float](repeating: 1, count: 100_000)
    let writer = try SafeTensorsWriter(path: path, tensors: [TensorHeader(name: "x", dtype: .f32, shape: [data.count])])
    try data.withUnsafeBytes { try writer.write($0) }
    try writer.finish()
    let file = try SafeTensorsFile(path: path)
    let view = try #require(file["x"])
    #expect(truncate(path, 4096) == 0)
    var seen = 0
    #expect {
      try view.file.readOnce(view.fileRange, chunkBytes: 1024) { seen += $0.count }
    } throws: { error in
      "\(error)".contains(path) && "\(error)".contains("shrank")
    }
    #expect(seen < data.count * 4)
    // The copy a PyTorch view is materialised from is read the same way.
    #expect {
      try view.file.withCopiedBytes(in: view.fileRange) { _ in }
    } throws: { error in
      "\(error)".contains(path) && "\(error)".contains("shrank")
    }
  }
}
