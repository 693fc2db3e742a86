import Support
import Foundation
import SafeTensors
import TestSupport
@testable import Checkpoint

/// Helpers shared by the PyTorch reader tests.
enum PyTorchTestSupport {
  /// The tensor's bytes, copied out of the scoped call.
  static func bytes(of tensor: SourceTensor) throws -> [UInt8] {
    try tensor.withContiguousBytes { Array($0) }
  }

  static func sha256(of tensor: SourceTensor) throws -> String {
    try tensor.withContiguousBytes { SHA256.hex($0) }
  }

  /// What `body` threw, or nil when it returned.
  static func thrown(_ body: () throws -> Void) -> (any Error)? {
    do {
      try body()
      return nil
    } catch {
      return error
    }
  }

  /// Fixture directories of the manifest holding PyTorch checkpoints, in manifest order.
  static var binFixtures: [Fixtures.Entry] {
    Fixtures.manifest.filter { $0.format.hasPrefix("pytorch") }
  }

  /// Each fixture's tensor names in the manifest's (= the state dict's) order, read with an order-keeping parser.
  static let manifestOrder: [String: [String]] = {
    guard let data = FileManager.default.contents(atPath: Fixtures.path("manifest.json")),
          let json = try? JSONValue.parse(Array(data)),
          let fixtures = json["fixtures"]?.objectValue
    else { return [:] }
    var order: [String: [String]] = [:]
    for (directory, entry) in fixtures {
      order[directory] = entry["tensors"]?.objectValue?.map(\.0) ?? []
    }
    return order
  }()

  /// golden/hostile/expected.json.
  static let hostileExpectations: [(name: String, expectation: JSONValue)] = {
    guard let data = FileManager.default.contents(atPath: Fixtures.path("hostile/expected.json")),
          let json = try? JSONValue.parse(Array(data)), let cases = json.objectValue
    else { return [] }
    return cases.map { ($0.0, $0.1) }
  }()

  /// A copy of `bytes` written to `name` in `directory`.
  static func write(_ bytes: some Collection<UInt8>, to name: String, in directory: TemporaryDirectory) -> String {
    let path = directory.file(name)
    _ = FileManager.default.createFile(atPath: path, contents: Data(bytes))
    return path
  }

  static func hex(_ bytes: [UInt8]) -> String {
    bytes.map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined()
  }
}
