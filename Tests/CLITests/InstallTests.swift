import Foundation
import Testing
import TestSupport

/// `make install-files` / `make uninstall` (README.md, "Install") on the debug binaries this test run uses: the same
/// script `make install` runs after its release build, which is too slow to repeat inside the tests.
@Suite("make install")
struct InstallTests {
  static let generator = Binaries.path("generate-manual")

  /// Every file under `directory`, relative to it, sorted.
  static func files(under directory: String) -> [String] {
    guard let walker = FileManager.default.enumerator(atPath: directory) else { return [] }
    var found: [String] = []
    while let path = walker.nextObject() as? String {
      var isDirectory: ObjCBool = false
      if FileManager.default.fileExists(atPath: directory + "/" + path, isDirectory: &isDirectory), !isDirectory.boolValue {
        found.append(path)
      }
    }
    return found.sorted()
  }

  func make(_ arguments: [String]) throws -> RunResult {
    try run("make", ["--no-print-directory", "-C", Fixtures.root] + arguments)
  }

  @Test("install-files puts binaries, man pages and bash/zsh/fish completions under DESTDIR+PREFIX; uninstall removes exactly them")
  func installAndUninstall() throws {
    guard FileManager.default.isExecutableFile(atPath: Self.generator) else {
      #expect(!Python.inCI, "make test builds generate-manual before the tests")
      print("NOT RUN: \(Self.generator) is not built (`swift build --product generate-manual`; make test does it)")
      return
    }
    let dir = TemporaryDirectory()
    let stage = dir.file("stage")
    let prefix = "/opt/bw"
    let root = stage + prefix
    let variables = ["PREFIX=\(prefix)", "DESTDIR=\(stage)", "BUILD_DIR=\(Binaries.directory)"]
    // Something already in a shared folder, which uninstall must leave alone.
    try FileManager.default.createDirectory(atPath: root + "/share/man/man1", withIntermediateDirectories: true)
    FileManagerShim.write(Array("unrelated".utf8), to: root + "/share/man/man1/other.1")

    let install = try make(["install-files"] + variables)
    #expect(install.status == 0, "\(install.stdout)\(install.stderr)")
    // The HDF5 helper goes beside the tools (they start it from there), with no man page or completions.
    var expected = ["share/man/man1/other.1", "bin/bert-hdf5-reader"]
    for tool in ["bert-convert", "bert-verify"] {
      expected += ["bin/\(tool)", "share/man/man1/\(tool).1", "share/bash-completion/completions/\(tool)",
                   "share/zsh/site-functions/_\(tool)", "share/fish/vendor_completions.d/\(tool).fish"]
    }
    #expect(Self.files(under: stage) == expected.map { String(prefix.dropFirst()) + "/" + $0 }.sorted())

    for tool in ["bert-convert", "bert-verify"] {
      let version = try run(root + "/bin/" + tool, ["--version"])
      #expect(version.status == 0 && version.stdout.hasPrefix("0."), "\(tool) --version: \(version.stdout)")
      // An mdoc page naming the tool, with its default subcommand's options in it.
      let page = String(decoding: FileManagerShim.read(root + "/share/man/man1/\(tool).1") ?? [], as: UTF8.self)
      #expect(page.contains(".Dt \(tool.uppercased()) 1"))
      #expect(page.contains(tool == "bert-convert" ? "dtype" : "golden"))
      let bash = root + "/share/bash-completion/completions/" + tool
      #expect(try run("bash", ["-n", bash]).status == 0)
      #expect(String(decoding: FileManagerShim.read(bash) ?? [], as: UTF8.self).contains("complete -o filenames -F"))
      #expect(String(decoding: FileManagerShim.read(root + "/share/zsh/site-functions/_" + tool) ?? [], as: UTF8.self)
        .hasPrefix("#compdef \(tool)"))
      #expect(String(decoding: FileManagerShim.read(root + "/share/fish/vendor_completions.d/\(tool).fish") ?? [], as: UTF8.self)
        .contains("complete -c '\(tool)'") )
    }
    // The installed tools work from there, the helper included: a Keras .h5 converts.
    let h5 = try run(root + "/bin/bert-convert", [Fixtures.path("models/seqcls/h5"), "-o", dir.file("from-h5.safetensors")])
    #expect(h5.status == 0, "\(h5.stderr)")
    if FileManager.default.isExecutableFile(atPath: "/usr/bin/mandoc") || FileManager.default.isExecutableFile(atPath: "/usr/bin/groff") {
      let lint = try run("sh", ["-c", "command -v mandoc >/dev/null && mandoc -T ascii \"$0\" || groff -mandoc -Tascii -P-bcu \"$0\"", root + "/share/man/man1/bert-convert.1"])
      // Bold and underline may come as overstrikes (x BACKSPACE x): keep the last of each.
      let text = lint.stdout.replacing(/.\x{08}/, with: "")
      #expect(lint.status == 0 && text.contains("NAME") && text.contains("bert-convert --"), "\(text.prefix(300))")
    }

    let uninstall = try make(["uninstall", "PREFIX=\(prefix)", "DESTDIR=\(stage)"])
    #expect(uninstall.status == 0, "\(uninstall.stderr)")
    #expect(Self.files(under: stage) == [String(prefix.dropFirst()) + "/share/man/man1/other.1"])
  }

  @Test("TOOLS is the one list of installed executables: one word installs one tool")
  func toolsVariable() throws {
    guard FileManager.default.isExecutableFile(atPath: Self.generator) else {
      #expect(!Python.inCI, "make test builds generate-manual before the tests")
      print("NOT RUN: \(Self.generator) is not built")
      return
    }
    let dir = TemporaryDirectory()
    let result = try make(["install-files", "TOOLS=bert-verify", "PREFIX=\(dir.path)", "BUILD_DIR=\(Binaries.directory)"])
    #expect(result.status == 0, "\(result.stderr)")
    #expect(Self.files(under: dir.path).filter { $0.contains("bert-convert") }.isEmpty)
    #expect(Self.files(under: dir.path).filter { $0.contains("bert-verify") }.count == 5)
    // A tool that was not built is refused before anything is written.
    let missing = try make(["install-files", "TOOLS=bert-nothing", "PREFIX=\(dir.file("other"))", "BUILD_DIR=\(Binaries.directory)"])
    #expect(missing.status != 0)
    #expect(missing.stderr.contains("bert-nothing missing"))
    #expect(!FileManagerShim.exists(dir.file("other")))
  }
}
