import Checkpoint
import Foundation
import SafeTensors
import Testing
import TestSupport
@testable import BERT

/// The golden of a fixture model (`seqcls`, `base`, `pretraining`, `minilm`).
func goldenPath(_ model: String) -> String { Fixtures.path("models/\(model)/golden.safetensors") }

/// One tensor of a safetensors file, as raw bytes.
struct RawTensor {
  var name: String
  var dtype: DType
  var shape: [Int]
  var bytes: [UInt8]

  var floats: [Float] {
    get { stride(from: 0, to: bytes.count, by: 4).map { i in Float(bitPattern: UInt32(bytes[i]) | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2]) << 16 | UInt32(bytes[i + 3]) << 24) } }
    set { bytes = newValue.flatMap { v in withUnsafeBytes(of: v.bitPattern.littleEndian) { Array($0) } } }
  }
}

/// The tensors of a safetensors file in stored order, with its metadata.
func readTensors(_ path: String) throws -> ([RawTensor], [String: String]) {
  let file = try SafeTensorsFile(path: path)
  let tensors = file.tensors.map { view in
    RawTensor(name: view.name, dtype: view.dtype, shape: view.shape, bytes: view.withUnsafeBytes { Array($0) })
  }
  return (tensors, file.metadata)
}

/// Writes `tensors` as a safetensors file.
func writeTensors(_ tensors: [RawTensor], metadata: [String: String], to path: String) throws {
  let writer = try SafeTensorsWriter(path: path, tensors: tensors.map { TensorHeader(name: $0.name, dtype: $0.dtype, shape: $0.shape) },
                                     metadata: metadata)
  for tensor in tensors { try tensor.bytes.withUnsafeBytes { try writer.write($0) } }
  try writer.finish()
}

/// A copy of the golden of `model` with `edit` applied to its tensor list, written into `dir`.
func editedGolden(_ model: String, in dir: TemporaryDirectory, name: String = "golden.safetensors",
                  _ edit: (inout [RawTensor]) -> Void) throws -> String {
  var (tensors, metadata) = try readTensors(goldenPath(model))
  edit(&tensors)
  let path = dir.file(name)
  try writeTensors(tensors, metadata: metadata, to: path)
  return path
}

extension Array where Element == RawTensor {
  /// Applies `change` to the float values of the tensor named `name`.
  mutating func modify(_ name: String, _ change: (inout [Float]) -> Void) {
    guard let i = firstIndex(where: { $0.name == name }) else {
      Issue.record("no tensor \(name)")
      return
    }
    var values = self[i].floats
    change(&values)
    self[i].floats = values
  }
}

/// Copies a fixture directory's files into `dir` and returns its path.
func copyFixture(_ relative: String, into dir: TemporaryDirectory) throws -> String {
  let source = Fixtures.path(relative)
  for name in try FileManager.default.contentsOfDirectory(atPath: source) {
    try FileManager.default.copyItem(atPath: source + "/" + name, toPath: dir.file(name))
  }
  return dir.path
}

/// Rewrites `key` of the JSON object in `path` (a config.json) — `nil` removes it.
func editJSON(_ path: String, _ changes: [String: Any?]) throws {
  let data = try Data(contentsOf: URL(fileURLWithPath: path))
  var object = try JSONSerialization.jsonObject(with: data) as! [String: Any]
  for (key, value) in changes { object[key] = value }
  try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]).write(to: URL(fileURLWithPath: path))
}
