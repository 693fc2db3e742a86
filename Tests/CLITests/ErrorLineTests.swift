import Support
import Foundation
import SafeTensors
import Testing
import TestSupport

/// Every refusal as a user meets it: `bert-convert inspect FILE` (or a conversion) on a hostile or broken input
/// exits with 2 and prints exactly one line on stderr, naming the file — and, where there is one, the pickle
/// global, limit, tensor or offset at fault.
@Suite("Every error is one line naming the file")
struct ErrorLineTests {
  static let tool = Binaries.path("bert-convert")

  /// Runs the tool and checks the contract for a refusal; returns stderr.
  @discardableResult
  static func expectOneLineRefusal(_ arguments: [String], naming file: String, mentioning detail: String? = nil,
                                   sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
    let result = try run(tool, arguments)
    #expect(result.status == 2, "exit \(result.status) for \(arguments): \(result.stderr)", sourceLocation: sourceLocation)
    let lines = result.stderr.split(separator: "\n", omittingEmptySubsequences: false)
    #expect(lines.count == 2 && lines[1].isEmpty, "not exactly one line: \(result.stderr)", sourceLocation: sourceLocation)
    #expect(!lines[0].unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F },
            "control characters: \(result.stderr.debugDescription)", sourceLocation: sourceLocation)
    #expect(result.stderr.contains(file), "does not name \(file): \(result.stderr)", sourceLocation: sourceLocation)
    if let detail {
      #expect(result.stderr.contains(detail), "does not mention '\(detail)': \(result.stderr)", sourceLocation: sourceLocation)
    }
    #expect(result.stdout.isEmpty, "printed to stdout: \(result.stdout)", sourceLocation: sourceLocation)
    return result.stderr
  }

  // MARK: The malicious-pickle corpus

  /// Each refused case of golden/hostile/expected.json in each container it exists in, with what its error
  /// must mention (the global or the limit).
  static let hostileCases: [(path: String, mentions: String)] = {
    guard let data = FileManagerShim.read(Fixtures.path("hostile/expected.json")),
          let expected = try? JSONValue.parse(data).objectValue
    else { return [] }
    return expected.flatMap { name, expectation -> [(String, String)] in
      guard let mentions = expectation["mentions"]?.stringValue else { return [] }  // a benign control
      let containers = expectation["only"]?.arrayValue?.compactMap(\.stringValue) ?? ["zip", "legacy"]
      return containers.map { (Fixtures.path("hostile/\($0)/\(name).bin"), mentions) }
    }
  }()

  @Test("the corpus holds every refused case in both containers")
  func hostileCorpusIsComplete() {
    #expect(Self.hostileCases.count >= 58)
  }

  @Test("the hostile-pickle corpus: exit 2, one line naming the file and the global or limit", arguments: hostileCases)
  func hostileCorpus(path: String, mentions: String) throws {
    try Self.expectOneLineRefusal(["inspect", path], naming: path, mentioning: mentions)
  }

  // MARK: Crafted safetensors, one per header rule

  /// An 8-byte little-endian length (the header's own unless `declared`), the header, then `data`.
  static func safetensors(_ header: String, data: [UInt8] = [], declared: UInt64? = nil) -> [UInt8] {
    let json = Array(header.utf8)
    return withUnsafeBytes(of: (declared ?? UInt64(json.count)).littleEndian) { Array($0) } + json + data
  }

  static let u8 = "{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1]}"
  /// (file name, bytes, what the error must mention).
  static let craftedSafetensors: [(String, [UInt8], String)] = [
    // Recognised by content: a file too short for a header, or declaring one over 100 MB, is no safetensors file.
    ("short", [1, 2, 3], "unknown checkpoint format"),
    ("huge-header", safetensors("{}", declared: 100_000_001), "unknown checkpoint format"),
    ("past-end", safetensors("{}", declared: 50), "invalid header length"),
    ("not-utf8", safetensors("{\"\u{FF}\":1}").map { $0 == 0xC3 ? 0xFF : $0 }, "not valid UTF-8"),
    ("bad-json", safetensors("{\"a\":", data: [0]), "invalid header JSON"),
    ("duplicate", safetensors("{\"w\":\(u8),\"w\":\(u8)}", data: [1]), "'w'"),
    ("dtype", safetensors("{\"w\":{\"dtype\":\"F128\",\"shape\":[1],\"data_offsets\":[0,16]}}", data: .init(repeating: 0, count: 16)), "F128"),
    ("metadata", safetensors("{\"__metadata__\":{\"format\":1}}"), "__metadata__"),
    ("hole", safetensors("{\"w\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[1,2]}}", data: [0, 0]), "'w'"),
    ("size", safetensors("{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,4]}}", data: [0, 0, 0, 0]), "'w'"),
    ("overflow", safetensors("{\"w\":{\"dtype\":\"F32\",\"shape\":[4611686018427387904,4611686018427387904],\"data_offsets\":[0,4]}}",
                             data: [0, 0, 0, 0]), "overflow"),
    ("trailing", safetensors("{\"w\":\(u8)}", data: [1, 2]), "trailing"),
  ]

  @Test("a crafted safetensors file per header rule: exit 2, one line naming the file and the rule or tensor")
  func craftedSafeTensorsFiles() throws {
    let dir = TemporaryDirectory()
    for (name, bytes, mentions) in Self.craftedSafetensors {
      let path = dir.file(name + ".safetensors")
      FileManagerShim.write(bytes, to: path)
      try Self.expectOneLineRefusal(["inspect", path], naming: path, mentioning: mentions)
    }
  }

  // MARK: Indexes, configs and directories

  @Test("broken shard indexes: a path outside the directory, a missing shard, thousands of shards")
  func indexes() throws {
    let dir = TemporaryDirectory()
    let index = dir.file("model.safetensors.index.json")
    let many = (0...ShardIndex.maxShards).map { "\"t\($0)\": \"s\($0).safetensors\"" }.joined(separator: ",")
    for (json, mentions) in [
      ("{\"weight_map\": {\"a\": \"../model.safetensors\"}}", "not a plain file name"),
      ("{\"weight_map\": {\"a\": \"/etc/passwd\"}}", "not a plain file name"),
      ("{\"weight_map\": {\"a\": \"model-00001-of-00002.safetensors\"}}", "model-00001-of-00002.safetensors"),
      ("{\"weight_map\": {\(many)}}", "\(ShardIndex.maxShards)"),
      ("{\"weight_map\": ", "not JSON"),
    ] {
      FileManagerShim.write(Array(json.utf8), to: index)
      try Self.expectOneLineRefusal(["inspect", index], naming: index, mentioning: mentions)
    }
  }

  @Test("broken config.json beside good weights: conversion refuses in one line naming config.json")
  func configs() throws {
    let dir = TemporaryDirectory()
    let weights = try #require(FileManagerShim.read(Fixtures.path("models/seqcls/safetensors/model.safetensors")))
    FileManagerShim.write(weights, to: dir.file("model.safetensors"))
    let config = dir.file("config.json")
    for (json, mentions) in [
      ("{\"model_type\": \"bert\", \"vocab_size\": ", "not JSON"),
      ("{\"model_type\": \"gpt2\", \"vocab_size\": 128}", "gpt2"),
      ("{\"model_type\": \"bert\", \"vocab_size\": -3}", "vocab_size"),
      ("{\"model_type\": \"bert\", \"vocab_size\": 128, \"hidden_size\": 30, \"num_attention_heads\": 4}", "num_attention_heads"),
      ("[1, 2, 3]", "not a JSON object"),
    ] {
      FileManagerShim.write(Array(json.utf8), to: config)
      try Self.expectOneLineRefusal([dir.path, "-o", dir.file("out.safetensors")], naming: config, mentioning: mentions)
      #expect(!FileManagerShim.exists(dir.file("out.safetensors")))
    }
  }

  @Test("fuzzer regression inputs (golden/hostile/fuzz): exit 2, one line naming the file")
  func fuzzRegressions() throws {
    let root = Fixtures.path("hostile/fuzz")
    // Checkpoint files are recognised by content; each input is read under the name its fuzz target uses.
    let names = ["safetensors": "model.safetensors", "zip": "pytorch_model.bin", "unpickler": "pytorch_model.bin",
                 "index": "model.safetensors.index.json"]
    let legacyMagic: [UInt8] = [0x80, 0x02, 0x8A, 0x0A, 0x6C, 0xFC, 0x9C, 0x46, 0xF9, 0x20, 0x6A, 0xA8, 0x50, 0x19, 0x2E]
    for (target, fileName) in names {
      for input in FileManagerShim.list(root + "/" + target) where !input.hasPrefix(".") {
        let dir = TemporaryDirectory()
        var bytes = try #require(FileManagerShim.read(root + "/" + target + "/" + input))
        if target == "unpickler" && !bytes.starts(with: legacyMagic) {
          bytes = legacyMagic + [0x80, 0x02, 0x4D, 0xE9, 0x03, 0x2E, 0x80, 0x02, 0x7D, 0x2E] + bytes
        }
        let path = dir.file(fileName)
        FileManagerShim.write(bytes, to: path)
        let stderr = try Self.expectOneLineRefusal(["inspect", path], naming: path)
        #expect(!stderr.dropLast().unicodeScalars.contains { $0.value < 0x20 }, "control characters: \(stderr.debugDescription)")
      }
    }
  }

  @Test("tokenizer.json inputs the fuzzer found: bert-verify refuses them in one printable line naming the file")
  func tokenizerRegressions() throws {
    let root = Fixtures.path("hostile/fuzz/tokenizer")
    for input in FileManagerShim.list(root) where !input.hasPrefix(".") {
      let dir = TemporaryDirectory()
      FileManagerShim.write(try #require(FileManagerShim.read(root + "/" + input)), to: dir.file("tokenizer.json"))
      let result = try run(Binaries.path("bert-verify"), ["tokenize", dir.path], input: "")
      #expect(result.status == 2, "\(input): exit \(result.status): \(result.stderr)")
      #expect(result.stderr.hasSuffix("\n") && !result.stderr.dropLast().unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F },
              "\(input): not one printable line: \(result.stderr.debugDescription)")
      #expect(result.stderr.contains(dir.file("tokenizer.json")), "\(input): \(result.stderr)")
    }
  }
}
