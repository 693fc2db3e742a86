import Foundation
import Testing
import TestSupport

/// Issue 17 through the built bert-convert, as a user meets it: exit codes and one-line errors.
@Suite("Output rules and hostile configs, CLI")
struct OutputAndConfigCLITests {
  static let tool = Binaries.path("bert-convert")
  static let source = Fixtures.path("models/seqcls/safetensors")

  func run(in directory: String, _ arguments: [String]) throws -> RunResult {
    try TestSupport.run("/bin/sh", ["-c", "cd \"$0\" && exec \"$@\"", directory, Self.tool] + arguments)
  }

  @Test("`cd proj && bert-convert SRC -o . --force` writes the model into proj and keeps the user's files")
  func forceIntoCurrentDirectory() throws {
    let project = TemporaryDirectory()
    FileManagerShim.write(Array("mine".utf8), to: project.file("notes.txt"))
    #expect(try run(in: project.path, [Self.source, "-o", "."]).status == 2)
    let result = try run(in: project.path, [Self.source, "-o", ".", "--force"])
    #expect(result.status == 0, "\(result.stderr)")
    #expect(FileManagerShim.list(project.path) == ["config.json", "model.safetensors", "notes.txt", "tokenizer_config.json", "vocab.txt"])
    #expect(FileManagerShim.read(project.file("notes.txt")) == Array("mine".utf8))
    let parent = (project.path as NSString).deletingLastPathComponent
    let base = (project.path as NSString).lastPathComponent
    #expect(!FileManagerShim.list(parent).contains { $0.hasPrefix("." + base + ".") }, "left a hidden entry beside the project")
  }

  @Test("`bert-convert DIR -o DIR --force` is exit 2 and the source is untouched")
  func sourceAsOutput() throws {
    let dir = TemporaryDirectory()
    let model = dir.file("model")
    try FileManager.default.copyItem(atPath: Self.source, toPath: model)
    let before = FileManagerShim.list(model).map { FileManagerShim.read(model + "/" + $0) }
    let result = try run(in: dir.path, ["model", "-o", "model", "--force"])
    #expect(result.status == 2 && result.stderr.contains("is the source directory"), "\(result.stderr)")
    #expect(FileManagerShim.list(model).map { FileManagerShim.read(model + "/" + $0) } == before)
  }

  @Test("hostile config values are exit 2 with one line naming config.json", arguments: [
    (#""position_embedding_type": "relative_key", "max_position_embeddings": 4611686018427387904"#, "over the limit"),
    (#""num_hidden_layers": 1000000"#, "num_hidden_layers 1000000"),
    (#""hidden_act": null"#, "'hidden_act' is null"),
  ])
  func hostileConfig(edit: String, words: String) throws {
    let dir = TemporaryDirectory()
    let model = dir.file("model")
    try FileManager.default.copyItem(atPath: Self.source, toPath: model)
    var text = String(decoding: FileManagerShim.read(model + "/config.json") ?? [], as: UTF8.self)
    for key in ["position_embedding_type", "max_position_embeddings", "num_hidden_layers", "hidden_act"] where edit.contains("\"\(key)\"") {
      text = text.split(separator: "\n").filter { !$0.contains("\"\(key)\"") }.joined(separator: "\n")
    }
    text = text.replacingOccurrences(of: "{", with: "{" + edit + ",", options: [], range: text.range(of: "{"))
    FileManagerShim.write(Array(text.utf8), to: model + "/config.json")
    let start = ContinuousClock.now
    let result = try run(in: dir.path, ["model", "-o", "out"])
    #expect(ContinuousClock.now - start < .seconds(5))
    #expect(result.status == 2, "exit \(result.status): \(result.stderr)")
    #expect(result.stderr.split(separator: "\n").count == 1 && result.stderr.count < 400, "\(result.stderr.prefix(400))")
    #expect(result.stderr.contains("config.json") && result.stderr.contains(words), "\(result.stderr)")
    #expect(FileManagerShim.list(dir.path) == ["model"])
  }
}
