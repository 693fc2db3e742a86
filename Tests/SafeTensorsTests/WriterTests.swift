import Testing
import TestSupport
@testable import SafeTensors

@Suite("Writer")
struct WriterTests {
  let dir = TemporaryDirectory()

  let sample: [(TensorHeader, [UInt8])] = [
    (TensorHeader(name: "bert.embeddings.word_embeddings.weight", dtype: .f32, shape: [2, 3]), floats([1, 2, 3, 4, 5, 6])),
    (TensorHeader(name: "scalar", dtype: .f32, shape: []), floats([0.5])),
    (TensorHeader(name: "empty", dtype: .f32, shape: [0, 4]), []),
    (TensorHeader(name: "half", dtype: .f16, shape: [3]), [0, 0x3C, 0, 0xC0, 0xFF, 0x7B]),
    (TensorHeader(name: "bytes", dtype: .u8, shape: [1]), [42]),
  ]

  @Test("write then read gives back names, dtypes, shapes, bytes and metadata")
  func roundTrip() throws {
    let path = dir.file("model.safetensors")
    try writeFile(path, sample, metadata: ["format": "pt", "config": "{\"a\":1}"])
    let file = try SafeTensorsFile(path: path)
    #expect(file.tensors.map(\.name) == sample.map(\.0.name))
    for (header, bytes) in sample {
      let view = try file.tensor(named: header.name)
      #expect(view.dtype == header.dtype)
      #expect(view.shape == header.shape)
      #expect(view.withUnsafeBytes { Array($0) } == bytes)
    }
    #expect(file.metadata == ["format": "pt", "config": "{\"a\":1}"])
    #expect((8 + file.headerLength) % 64 == 0)
  }

  @Test("two runs give identical bytes, whatever the metadata dictionary's order")
  func deterministic() throws {
    var metadata: [String: String] = [:]
    for i in 0..<20 { metadata["key\(i)"] = "value \(i) é" }
    try writeFile(dir.file("a.safetensors"), sample, metadata: metadata)
    try writeFile(dir.file("b.safetensors"), sample, metadata: metadata)
    let a = FileManagerShim.read(dir.file("a.safetensors"))
    #expect(a != nil)
    #expect(a == FileManagerShim.read(dir.file("b.safetensors")))
    let length = Int(a![0]) | Int(a![1]) << 8
    let text = String(decoding: a![8..<(8 + length)], as: UTF8.self)
    #expect(text.hasPrefix("{\"__metadata__\":{\"key0\":\"value 0 \\u00e9\",\"key1\":"))
    #expect(text.trimmingSuffixSpaces.hasSuffix("\"data_offsets\":[34,35]}}"))
  }

  @Test("tensors may arrive in pieces, and a piece may span tensors")
  func pieces() throws {
    let path = dir.file("pieces.safetensors")
    let writer = try SafeTensorsWriter(path: path, tensors: sample.map(\.0))
    let all = sample.flatMap(\.1)
    for chunk in stride(from: 0, to: all.count, by: 5) {
      try all[chunk..<min(chunk + 5, all.count)].withUnsafeBytes { try writer.write($0) }
    }
    try writer.finish()
    #expect(try SafeTensorsFile(path: path)["bytes"]?.withUnsafeBytes { Array($0) } == [42])
  }

  @Test("an unfinished or failed writer leaves nothing behind")
  func noPartialFile() throws {
    let path = dir.file("partial.safetensors")
    do {
      let writer = try SafeTensorsWriter(path: path, tensors: sample.map(\.0))
      try floats([1, 2]).withUnsafeBytes { try writer.write($0) }
    }
    #expect(FileManagerShim.list(dir.path).isEmpty)

    let writer = try SafeTensorsWriter(path: path, tensors: sample.map(\.0))
    do {
      try writer.finish()
      Issue.record("finish() accepted missing bytes")
    } catch {
      #expect(error.code == .invalidWrite)
      #expect(error.tensor == "bert.embeddings.word_embeddings.weight")
    }
    #expect(FileManagerShim.list(dir.path).isEmpty)

    let extra = try SafeTensorsWriter(path: path, tensors: [TensorHeader(name: "x", dtype: .u8, shape: [1])])
    #expect(throws: SafeTensorsError.self) { try [UInt8](repeating: 0, count: 2).withUnsafeBytes { try extra.write($0) } }
    #expect(FileManagerShim.list(dir.path).isEmpty)
  }

  @Test("a tensor that would start misaligned, or a repeated name, is refused")
  func refusals() {
    #expect(throws: SafeTensorsError.self) {
      try SafeTensorsWriter(path: dir.file("x.safetensors"), tensors: [
        TensorHeader(name: "a", dtype: .u8, shape: [1]), TensorHeader(name: "b", dtype: .f32, shape: [1]),
      ])
    }
    #expect(throws: SafeTensorsError.self) {
      try SafeTensorsWriter(path: dir.file("x.safetensors"), tensors: [
        TensorHeader(name: "a", dtype: .u8, shape: [1]), TensorHeader(name: "a", dtype: .u8, shape: [1]),
      ])
    }
    #expect(FileManagerShim.list(dir.path).isEmpty)
  }

  @Test("the header is padded with spaces so data starts at a multiple of 64", arguments: 0..<70)
  func padding(nameLength: Int) throws {
    let path = dir.file("pad\(nameLength).safetensors")
    try writeFile(path, [(TensorHeader(name: String(repeating: "n", count: nameLength + 1), dtype: .u8, shape: [1]), [1])])
    let bytes = FileManagerShim.read(path)!
    let length = Int(bytes[0]) | Int(bytes[1]) << 8
    #expect((8 + length) % 64 == 0)
    #expect(bytes[8 + length - 1] == UInt8(ascii: " ") || bytes[8 + length - 1] == UInt8(ascii: "}"))
  }
}

extension String {
  fileprivate var trimmingSuffixSpaces: Substring {
    var s = self[...]
    while s.last == " " { s = s.dropLast() }
    return s
  }
}
