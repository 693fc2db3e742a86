import Foundation
import SafeTensors
import Testing
import TestSupport
@testable import Checkpoint

@Suite("PyTorch reader: truncated and corrupted files")
struct PyTorchTruncationTests {
  static let files = [
    "models/seqcls/bin/pytorch_model.bin", "models/seqcls/bin-legacy/pytorch_model.bin",
    "models/seqcls/bin-views/pytorch_model.bin", "models/seqcls/bin-protocol4/pytorch_model.bin",
    "hostile/zip/benign_deflated.bin", "hostile/legacy/benign_dtypes.bin",
  ]

  /// Reads `path` as `format` and every tensor's bytes; returns what was thrown, if anything.
  static func readAll(_ path: String, _ format: CheckpointFormat) -> (any Error)? {
    PyTorchTestSupport.thrown {
      for tensor in try PyTorchReader.read(path: path, format: format) {
        _ = try tensor.withContiguousBytes { $0.reduce(0) { $0 &+ Int($1) } }
      }
    }
  }

  static func format(of bytes: [UInt8]) -> CheckpointFormat {
    bytes.starts(with: CheckpointFormat.zipMagic) ? .pytorchZip : .pytorchLegacy
  }

  @Test("a .bin cut at any of many byte offsets gives a CheckpointError, never a crash", arguments: files)
  func truncated(file: String) throws {
    let original = try [UInt8](Data(contentsOf: URL(fileURLWithPath: Fixtures.path(file))))
    let format = Self.format(of: original)
    #expect(Self.readAll(Fixtures.path(file), format) == nil, "the uncut file must read")
    let n = original.count
    // Every cut in the headers and the end (zip directory, last storage), and evenly spaced ones between.
    var cuts = Set(0..<min(n, 80))
    cuts.formUnion(stride(from: 0, to: n, by: max(1, n / 120)))
    cuts.formUnion(max(0, n - 80)..<n)
    let directory = TemporaryDirectory()
    for cut in cuts.sorted() {
      // A fresh name per cut: a file is never rewritten while a mapping of it may live.
      let path = PyTorchTestSupport.write(original[..<cut], to: "cut-\(cut).bin", in: directory)
      let error = Self.readAll(path, format)
      #expect(error is CheckpointError, "\(file) cut at \(cut): \(String(describing: error))")
    }
  }

  @Test("a .bin with random bytes overwritten reads or fails with a CheckpointError, never a crash", arguments: files)
  func corrupted(file: String) throws {
    let original = try [UInt8](Data(contentsOf: URL(fileURLWithPath: Fixtures.path(file))))
    let format = Self.format(of: original)
    var generator = SplitMix64(seed: UInt64(original.count))
    let directory = TemporaryDirectory()
    for trial in 0..<100 {
      var bytes = original
      // Mostly near the start (headers, pickle), sometimes anywhere (storages, central directory).
      let span = trial % 3 == 0 ? bytes.count : min(bytes.count, 8192)
      for _ in 0...(trial % 4) {
        bytes[Int(generator.next() % UInt64(span))] = UInt8(truncatingIfNeeded: generator.next())
      }
      let path = PyTorchTestSupport.write(bytes, to: "corrupt-\(trial).bin", in: directory)
      if let error = Self.readAll(path, format) {
        #expect(error is CheckpointError, "\(file) trial \(trial): \(error)")
      }
    }
  }
}
