import Testing
import TestSupport
@testable import SafeTensors
#if canImport(Glibc)
import Glibc
#endif

/// ``SafeTensorsWriter/copy(from:range:)``: bytes copied by the kernel with the digest hashed in the background
/// give the same file and the same sha256 as writing them, interleaved with writes in any order.
@Suite("Writer kernel copy")
struct WriterCopyTests {
  let dir = TemporaryDirectory()

  /// A source file of `count` pseudo-random bytes, mapped.
  func source(_ count: Int, seed: UInt64) throws -> (MappedFile, [UInt8]) {
    var rng = SplitMix64(seed: seed)
    let bytes = (0..<count).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
    let path = dir.file("source-\(seed).bin")
    FileManagerShim.write(bytes, to: path)
    return (try MappedFile(path: path), bytes)
  }

  @Test("copied, written and mixed: same bytes and the sha256 of the file, across the digest buffer's size")
  func sameAsWrite() throws {
    let big = BackgroundDigest.bufferBytes * 2 + 12_345  // several pread rounds
    let (file, bytes) = try source(big + 4_000, seed: 7)
    let headers = [
      TensorHeader(name: "a", dtype: .u8, shape: [big]),
      TensorHeader(name: "b", dtype: .u8, shape: [1_000]),
      TensorHeader(name: "c", dtype: .u8, shape: [3_000]),
    ]
    // Reference: everything through write(_:).
    let reference = dir.file("written.safetensors")
    let w = try SafeTensorsWriter(path: reference, tensors: headers)
    try bytes.withUnsafeBytes { try w.write($0) }
    try w.finish()

    // a copied, b written, c copied: the digest goes to the background, back, and out again.
    let mixed = dir.file("copied.safetensors")
    let m = try SafeTensorsWriter(path: mixed, tensors: headers)
    #expect(try m.copy(from: file, range: 0..<big))
    try bytes.withUnsafeBytes { try m.write(UnsafeRawBufferPointer(rebasing: $0[big..<(big + 1_000)])) }
    #expect(try m.copy(from: file, range: (big + 1_000)..<(big + 4_000)))
    try m.finish()

    let written = FileManagerShim.read(reference)
    #expect(written != nil)
    #expect(FileManagerShim.read(mixed) == written)
    #expect(m.sha256 == w.sha256)
    #expect(m.sha256 == sha256Hex(written ?? []))
  }

  @Test("a source truncated before its bytes are copied is an error naming the source, and nothing is left")
  func truncatedSource() throws {
    let (file, _) = try source(100_000, seed: 9)
    #expect(truncate(file.path, 10_000) == 0)
    let out = dir.file("out.safetensors")
    let w = try SafeTensorsWriter(path: out, tensors: [TensorHeader(name: "a", dtype: .u8, shape: [100_000])])
    #expect {
      _ = try w.copy(from: file, range: 0..<100_000)
    } throws: { error in
      let e = error as? SafeTensorsError
      return e?.code == .io && e?.file == file.path && (e?.detail.contains("truncated") ?? false)
    }
    #expect(FileManagerShim.read(out) == nil)
    #expect(FileManagerShim.list(dir.path).allSatisfy { !$0.contains(".tmp-") })
  }

  @Test("more bytes than the tensors declared are refused before anything is copied")
  func tooMany() throws {
    let (file, _) = try source(64, seed: 11)
    let w = try SafeTensorsWriter(path: dir.file("x.safetensors"), tensors: [TensorHeader(name: "a", dtype: .u8, shape: [32])])
    #expect(throws: SafeTensorsError.self) { _ = try w.copy(from: file, range: 0..<64) }
  }

  func sha256Hex(_ bytes: [UInt8]) -> String {
    var d = SHA256()
    bytes.withUnsafeBytes { d.update($0) }
    return d.finalizeHex()
  }
}
