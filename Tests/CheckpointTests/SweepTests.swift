import Foundation
import Testing
import TestSupport
@testable import Checkpoint

/// Hostile-input sweeps over every committed fixture file: truncated at many byte offsets and with single bits
/// flipped at seeded positions, each read must end in a clean error or in tensors whose bytes can all be read —
/// no crash, no hang.
@Suite("Truncation and bit-flip sweeps")
struct SweepTests {
  /// One weights file of each distinct fixture (format × model × variant), as a path relative to golden/.
  static let files: [String] = Fixtures.manifest.flatMap { entry -> [String] in
    let dir = Fixtures.path(entry.directory)
    return FileManagerShim.list(dir).filter { $0.hasSuffix(".safetensors") || $0.hasSuffix(".bin") || $0.hasSuffix(".h5") }
      .prefix(1).map { entry.directory + "/" + $0 }
  }

  /// Reads every tensor of `path`, returning whether it was accepted; throws only `CheckpointError`.
  static func readAll(_ path: String) throws(CheckpointError) -> Bool {
    let format = try CheckpointFormat.detect(path: path)
    let (tensors, _) = try Checkpoint.readFile(path, format: format)
    for tensor in tensors {
      do {
        let count = try tensor.withContiguousBytes { $0.count }
        guard count == tensor.byteCount else {
          throw CheckpointError(.malformed, file: path, "tensor \(tensor.name) gave \(count) bytes, expected \(tensor.byteCount)")
        }
      } catch let error as CheckpointError {
        throw error
      } catch {
        throw CheckpointError(.malformed, file: path, "unexpected error type \(type(of: error)): \(error)")
      }
    }
    return true
  }

  /// A read that takes longer is a hang (an .h5 read starts a sandboxed reader process, which takes tens of ms on
  /// a machine busy with the rest of the suite; a hung reader is killed only after 30 s).
  static let slowRead: Duration = .seconds(5)

  /// Offsets to cut at: every byte of a small file; else every byte of the first 256 (the headers) and a seeded
  /// sample of the rest — enough to hit every structure of these small fixtures while keeping the suite short.
  static func cuts(size: Int, seed: UInt64) -> [Int] {
    if size <= 1024 { return Array(0..<size) }
    var rng = SplitMix64(seed: seed)
    return Array(0..<256) + (0..<200).map { _ in 256 + Int(rng.next() % UInt64(size - 256)) }
  }

  @Test("truncated files give errors, never crashes", arguments: SweepTests.files)
  func truncation(file: String) throws {
    let original = try #require(FileManagerShim.read(Fixtures.path(file)))
    let dir = TemporaryDirectory(inMemory: true)
    let path = dir.file((file as NSString).lastPathComponent)
    var accepted = 0
    for cut in SweepTests.cuts(size: original.count, seed: 7) {
      FileManagerShim.write(Array(original[0..<cut]), to: path)
      let start = ContinuousClock.now
      if (try? SweepTests.readAll(path)) == true { accepted += 1 }
      #expect(ContinuousClock.now - start < SweepTests.slowRead, "\(file) cut at \(cut) took too long")
    }
    // A cut file may still be a valid file of fewer tensors only for formats without a trailer; never for these.
    #expect(accepted == 0, "\(file): \(accepted) truncated copies were accepted")
  }

  @Test("single flipped bits give an error or readable tensors, never a crash", arguments: SweepTests.files)
  func bitFlips(file: String) throws {
    var bytes = try #require(FileManagerShim.read(Fixtures.path(file)))
    let dir = TemporaryDirectory(inMemory: true)
    let path = dir.file((file as NSString).lastPathComponent)
    var rng = SplitMix64(seed: UInt64(file.utf8.reduce(0) { $0 &* 31 &+ Int($1) }.magnitude))
    for _ in 0..<100 {
      let position = Int(rng.next() % UInt64(bytes.count))
      let bit = UInt8(1) << UInt8(rng.next() % 8)
      bytes[position] ^= bit
      FileManagerShim.write(bytes, to: path)
      let start = ContinuousClock.now
      _ = try? SweepTests.readAll(path)
      #expect(ContinuousClock.now - start < SweepTests.slowRead, "\(file) with bit flipped at \(position) took too long")
      bytes[position] ^= bit
    }
  }
}
