import Foundation
import SafeTensors
import Testing
import TestSupport
@testable import Checkpoint

@Suite("PyTorch reader: hostile pickles (golden/hostile, built by make_hostile.py)")
struct PyTorchHostileTests {
  /// Every (case, container) pair the corpus holds.
  static let cases: [String] = PyTorchTestSupport.hostileExpectations.flatMap { name, expectation in
    let containers = expectation["only"]?.arrayValue?.compactMap(\.stringValue) ?? ["zip", "legacy"]
    return containers.map { "\($0)/\(name)" }
  }

  @Test("the corpus has refusals of globals, bounds and limits, and benign controls, in both containers")
  func corpusIsComplete() {
    #expect(Self.cases.count >= 60)
    for name in ["posix_system", "builtins_eval", "subprocess_popen", "size_beyond_storage", "memo_bomb",
                 "nested_marks", "deep_nesting", "self_recursive", "benign"] {
      #expect(Self.cases.contains("zip/\(name)") && Self.cases.contains("legacy/\(name)"), "\(name) missing")
    }
  }

  @Test("each hostile pickle is refused with the global or limit named; each benign control reads exactly", arguments: cases)
  func hostile(relative: String) throws {
    let container = String(relative.prefix { $0 != "/" })
    let name = String(relative.dropFirst(container.count + 1))
    let expectation = try #require(PyTorchTestSupport.hostileExpectations.first { $0.name == name }?.expectation)
    let path = Fixtures.path("hostile/\(relative).bin")
    try #require(FileManager.default.fileExists(atPath: path), "run golden/hostile/make_hostile.py")

    let benign = (container == "legacy" ? expectation["legacy_tensors"] : nil) ?? expectation["tensors"]
    if let benign = benign?.arrayValue {
      let checkpoint = try Checkpoint.open(path)
      #expect(checkpoint.format == (container == "zip" ? .pytorchZip : .pytorchLegacy))
      #expect(checkpoint.tensors.map(\.name) == benign.compactMap { $0.arrayValue?.first?.stringValue })
      for (tensor, row) in zip(checkpoint.tensors, benign) {
        let fields = try #require(row.arrayValue)
        #expect(tensor.dtype.rawValue == fields[1].stringValue, "\(tensor.name)")
        #expect(tensor.shape == fields[2].arrayValue?.compactMap(\.intValue), "\(tensor.name)")
        #expect(PyTorchTestSupport.hex(try PyTorchTestSupport.bytes(of: tensor)) == fields[3].stringValue, "\(tensor.name)")
      }
      return
    }

    let code = try #require(expectation["code"]?.stringValue)
    let mentions = try #require(expectation["mentions"]?.stringValue)
    let thrown = PyTorchTestSupport.thrown { _ = try Checkpoint.open(path) }
    let error = try #require(thrown as? CheckpointError, "\(relative) was not refused with a CheckpointError: \(String(describing: thrown))")
    #expect(error.code.rawValue == code, "\(error)")
    #expect(error.description.contains(mentions), "\(error)")
    #expect(error.description.hasPrefix(path), "the error names the file: \(error)")
    #expect(!error.description.contains("\n"), "one line: \(error)")
  }
}
