import Foundation
import SafeTensors
import Testing
import TestSupport
@testable import Checkpoint

/// The tensor's bytes, copied out of the scoped call.
private func bytes(of tensor: SourceTensor) throws -> [UInt8] {
  try tensor.withContiguousBytes { Array($0) }
}

/// Little-endian bytes of `values` stored as `T`.
private func littleEndian<T: FixedWidthInteger>(_ values: [T]) -> [UInt8] {
  values.flatMap { value in withUnsafeBytes(of: value.littleEndian) { Array($0) } }
}

/// IEEE binary16 bits of a small non-negative integer (exact up to 2048).
private func halfBits(_ n: Int) -> UInt16 {
  guard n > 0 else { return 0 }
  let exponent = Int.bitWidth - 1 - n.leadingZeroBitCount
  return UInt16((exponent + 15) << 10 | ((n << (10 - exponent)) & 0x3FF))
}

/// The manifest's canonical tensors of `model`: name → sha256.
private func canonicalSHA(_ model: String) -> [String: String] {
  guard let data = FileManager.default.contents(atPath: Fixtures.path("manifest.json")),
        let json = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
        let canonical = (json["canonical"] as? [String: Any])?[model] as? [String: Any]
  else { return [:] }
  return canonical.compactMapValues { ($0 as? [String: Any])?["sha256"] as? String }
}

/// Expects `body` to throw a ``CheckpointError`` and returns it.
private func checkpointError(_ body: () throws -> Void) -> CheckpointError? {
  do {
    try body()
  } catch let error as CheckpointError {
    return error
  } catch {
    Issue.record("threw \(error), not a CheckpointError")
    return nil
  }
  Issue.record("did not throw")
  return nil
}

@Suite("HDF5 reader: the fixture zoo")
struct HDF5FixtureTests {
  static let cases = ["seqcls", "base", "pretraining"].flatMap { model in ["h5", "h5-sharded"].map { (model, $0) } }

  @Test("every h5 fixture reads bit-identical to the PyTorch-saved safetensors of its model", arguments: cases)
  func matchesSafeTensors(model: String, variant: String) throws {
    let directory = Fixtures.path("models/\(model)/\(variant)")
    try #require(FileManager.default.fileExists(atPath: directory), "fixture \(directory) is missing")
    let checkpoint = try Checkpoint.open(directory, from: .tf)
    #expect(checkpoint.format == .hdf5)
    #expect(checkpoint.files.count == (variant == "h5" ? 1 : Set(checkpoint.tensors.map(\.file)).count))

    let reference = try SafeTensorsFile(path: Fixtures.path("models/\(model)/safetensors/model.safetensors"))
    let canonical = canonicalSHA(model)
    var matched = Set<String>()
    #expect(Set(checkpoint.tensors.map(\.name)).count == checkpoint.tensors.count, "names are unique")
    for tensor in checkpoint.tensors {
      // A bare BertModel is saved by PyTorch without the `bert.` scope the TF names carry.
      let view = reference[tensor.name] ?? (tensor.name.hasPrefix("bert.") ? reference[String(tensor.name.dropFirst(5))] : nil)
      guard let view else {
        Issue.record("\(tensor.name) is not in the safetensors fixture")
        continue
      }
      matched.insert(view.name)
      #expect(tensor.dtype == view.dtype, "\(tensor.name)")
      #expect(tensor.shape == view.shape, "\(tensor.name)")
      let ours = try bytes(of: tensor)
      #expect(ours.count == tensor.byteCount)
      #expect(ours == view.withUnsafeBytes { Array($0) }, "\(tensor.name) differs")
      if let sha = canonical[tensor.name] { #expect(SHA256.hex(ours) == sha, "\(tensor.name)") }
    }
    let unmatched = reference.tensors.map(\.name).filter {
      !matched.contains($0) && !$0.hasSuffix("position_ids") && !$0.hasPrefix("cls.predictions.decoder.")
    }
    #expect(unmatched.isEmpty, "not in the h5 fixture: \(unmatched)")
  }

  @Test("the same model read single and sharded gives the same tensors in the same order")
  func singleAndSharded() throws {
    let single = try HDF5Reader.read(path: Fixtures.path("models/seqcls/h5/tf_model.h5"))
    let index = try ShardIndex(path: Fixtures.path("models/seqcls/h5-sharded/tf_model.h5.index.json"))
    let sharded = try HDF5Reader.readSharded(index: index)
    #expect(Set(single.map(\.name)) == Set(sharded.map(\.name)))
    #expect(single.first?.name == "bert.embeddings.word_embeddings.weight")
    #expect(single.last?.name == "classifier.bias")
  }

  @Test("tensors can be read from several threads at once (libhdf5 calls are serialised)")
  func concurrentReads() async throws {
    let tensors = try HDF5Reader.read(path: Fixtures.path("models/pretraining/h5/tf_model.h5"))
    let expected = try tensors.map { try bytes(of: $0) }
    let matches = await withTaskGroup(of: Bool.self) { group in
      for index in 0..<(tensors.count * 4) {
        let tensor = tensors[index % tensors.count], wanted = expected[index % tensors.count]
        group.addTask { (try? bytes(of: tensor)) == wanted }
      }
      return await group.reduce(into: 0) { $0 += $1 ? 1 : 0 }
    }
    #expect(matches == tensors.count * 4)
  }

  @Test("a truncated tf_model.h5 gives an error naming the file")
  func truncated() throws {
    let directory = TemporaryDirectory()
    let original = try #require(FileManagerShim.read(Fixtures.path("models/seqcls/h5/tf_model.h5")))
    let path = directory.file("tf_model.h5")
    FileManagerShim.write(Array(original.prefix(original.count / 2)), to: path)
    let error = checkpointError { _ = try HDF5Reader.read(path: path) }
    #expect(error?.file == path)
    #expect(error?.description.contains("truncated") == true, "\(String(describing: error))")
    let viaOpen = checkpointError { _ = try Checkpoint.open(directory.path) }
    #expect(viaOpen?.file == path)
  }

  @Test("a file named tf_model.h5 that is not HDF5 gives an error naming the file")
  func notHDF5() throws {
    let directory = TemporaryDirectory()
    let path = directory.file("tf_model.h5")
    FileManagerShim.write(Array("this is not an HDF5 file, just text\n".utf8), to: path)
    let error = checkpointError { _ = try HDF5Reader.read(path: path) }
    #expect(error?.code == .unknownFormat)
    #expect(error?.file == path)
    let viaOpen = checkpointError { _ = try Checkpoint.open(directory.path, from: .tf) }
    #expect(viaOpen?.code == .unknownFormat)
    #expect(viaOpen?.description.contains(path) == true)
  }
}

@Suite("HDF5 reader: crafted files")
struct HDF5CraftedTests {
  @Test("types, byte orders, chunked and compressed kernels, split attributes and duplicates")
  func good() throws {
    let directory = TemporaryDirectory()
    let tensors = try HDF5Reader.read(path: CraftedHDF5.good.write(to: directory.file("tf_model.h5")))
    #expect(tensors.map(\.name) == [
      "bert.encoder.layer.0.attention.self.query.weight", "bert.encoder.layer.0.intermediate.dense.weight",
      "bert.embeddings.LayerNorm.weight", "bert.embeddings.word_embeddings.weight", "bert.embeddings.position_ids",
      "cls.predictions.bias",
    ])
    #expect(tensors.map(\.dtype) == [.f16, .f32, .f64, .f32, .i64, .f32])
    #expect(tensors.map(\.shape) == [[5, 3], [6, 4], [3], [4, 2], [1, 4], [4]])

    // Big-endian f16 kernel [3, 5] holding 0…14, transposed.
    let query = (0..<5).flatMap { c in (0..<3).map { r in halfBits(r * 5 + c) } }
    #expect(try bytes(of: tensors[0]) == littleEndian(query))
    // gzip + shuffle + fletcher32, chunks (2, 3): f32 kernel [4, 6] holding 0…23, transposed.
    let dense = (0..<6).flatMap { c in (0..<4).map { r in Float(r * 6 + c).bitPattern } }
    #expect(try bytes(of: tensors[1]) == littleEndian(dense))
    #expect(try bytes(of: tensors[2]) == littleEndian([0.5, 1.5, 2.5].map { (x: Double) in x.bitPattern }))
    // Stored twice (under `bert` and `mlm___cls`), read once, never transposed.
    #expect(try bytes(of: tensors[3]) == littleEndian((0..<8).map { Float($0).bitPattern }))
    #expect(try bytes(of: tensors[4]) == littleEndian([Int64(0), 1, 2, 3]))
    #expect(try bytes(of: tensors[5]) == littleEndian((0..<4).map { Float($0).bitPattern }))
  }

  @Test("a kernel larger than one read block is transposed block by block")
  func blockedTranspose() {
    let (rows, columns) = (7, 5)
    let stored = (0..<(rows * columns)).map { UInt32($0) }
    var destination = [UInt8](repeating: 0, count: rows * columns * 4)
    var block = littleEndian(stored)
    destination.withUnsafeMutableBytes { out in
      for first in stride(from: 0, to: rows, by: 3) {
        let count = min(3, rows - first)
        block.withUnsafeMutableBytes { all in
          let part = UnsafeMutableRawBufferPointer(rebasing: all[(first * columns * 4)..<((first + count) * columns * 4)])
          HDF5TensorBytes.transpose(UInt32.self, part, rows: first..<(first + count), of: rows, columns: columns, into: out)
        }
      }
    }
    let expected = (0..<columns).flatMap { c in (0..<rows).map { r in UInt32(r * columns + c) } }
    #expect(destination == littleEndian(expected))
  }

  @Test("unsupported or malformed contents give errors naming the file and the dataset or group", arguments: [
    ("string", "dataset 'bert/tf_bert_model_3/bert/x:0'", "strings"),
    ("bool", "dataset 'bert/tf_bert_model_3/bert/mask:0'", "enum"),
    ("rank3", "dataset 'bert/tf_bert_model_3/bert/conv/kernel:0'", "rank 3"),
    ("external", "dataset 'bert/tf_bert_model_3/bert/x:0'", "external"),
    ("huge", "dataset 'bert/tf_bert_model_3/bert/x/kernel:0'", "larger than"),
    ("overflow", "dataset 'bert/tf_bert_model_3/bert/x/kernel:0'", "more elements than can be counted"),
    ("unwritten", "dataset 'bert/tf_bert_model_3/bert/x/kernel:0'", "needs 4000000"),
    ("noweightnames", "group 'bert'", "weight_names"),
    ("missing", "dataset 'bert/tf_bert_model_3/bert/absent:0'", "absent"),
    ("nolayers", "'/'", "layer_names"),
    ("elink", "'bert/tf_bert_model_3/bert/x:0'", "external link"),
  ])
  func refused(name: String, location: String, detail: String) throws {
    let files: [String: CraftedHDF5] = [
      "string": .string, "bool": .bool, "rank3": .rank3, "external": .external, "huge": .huge, "overflow": .overflow, "unwritten": .unwritten,
      "noweightnames": .noweightnames, "missing": .missing, "nolayers": .nolayers, "elink": .elink,
    ]
    let directory = TemporaryDirectory()
    let path = try #require(files[name]).write(to: directory.file("tf_model.h5"))
    let error = checkpointError { _ = try HDF5Reader.read(path: path) }
    #expect(error?.file == path)
    #expect(error?.location == location, "\(String(describing: error))")
    #expect(error?.detail.contains(detail) == true, "\(String(describing: error))")
  }

  @Test("the same weight stored twice with different values is refused when read")
  func differingCopies() throws {
    let directory = TemporaryDirectory()
    let path = CraftedHDF5.differ.write(to: directory.file("tf_model.h5"))
    let tensors = try HDF5Reader.read(path: path)
    #expect(tensors.map(\.name) == ["bert.e.weight"])
    let error = checkpointError { _ = try bytes(of: tensors[0]) }
    #expect(error?.location == "dataset 'head/tf_bert_model_3/bert/e/weight:0'")
    #expect(error?.detail.contains("different values") == true)
  }
}
