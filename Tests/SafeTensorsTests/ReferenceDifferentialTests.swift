import Foundation
import Testing
@testable import SafeTensors

/// The safetensors reference's own cases — its crate tests (safetensors/src/tensor.rs), its Python tests
/// (bindings/python/tests/test_simple.py), the files of attacks/, the format rules of its README — and variations
/// around every header rule, each with the verdict the reference itself gave (ReferenceCases/generate.py runs
/// the reference on every file; nothing here is written by hand). Our reader must agree on every case except
/// the ones listed in ``exceptions``, where docs/FORMAT.md says we are stricter on purpose.
@Suite("Reference differential")
struct ReferenceDifferentialTests {
  /// Case name → why our verdict differs from the reference's (docs/FORMAT.md, "Where we are stricter than the
  /// reference"). Every entry is a file the reference accepts and we refuse.
  static let exceptions: [String: String] = [
    // Duplicate keys: serde_json keeps the last one silently; two readers could see two different tensors.
    "spec.duplicate_tensor": "duplicate tensor name refused",
    "spec.duplicate_tensor_different": "duplicate tensor name refused",
    "spec.metadata_duplicate_key": "duplicate __metadata__ key refused",
    // serde's other spellings of a struct and an enum: an entry as a [dtype, shape, offsets] array, a dtype as
    // {"F32": null}. No writer produces them; a header has one spelling.
    "spec.entry_as_array": "tensor entry must be a JSON object",
    "spec.dtype_as_enum_map": "dtype must be a JSON string",
    // A dimension above Int.max (2^63 − 1) beside a 0: a valid empty tensor to the reference's usize, refused
    // here because shapes are Int.
    "count.F32.9223372036854775808x0": "dimension above Int.max",
    "count.F4.9223372036854775808x0": "dimension above Int.max",
    "count.F32.18446744073709551615x0": "dimension above Int.max",
    "count.F4.18446744073709551615x0": "dimension above Int.max",
    "count.F32.0x18446744073709551615": "dimension above Int.max",
    "count.F4.0x18446744073709551615": "dimension above Int.max",
    "num.shape_zero_dim.u64_max": "dimension above Int.max",
    "num.shape_zero_dim.i64_max_plus_one": "dimension above Int.max",
  ]

  struct Case {
    var name: String
    var accepted: Bool
    var bytes: [UInt8]
  }

  static func hex(_ text: Substring) -> [UInt8] {
    var out: [UInt8] = []
    out.reserveCapacity(text.utf8.count / 2)
    var high: UInt8?
    for c in text.utf8 {
      let v: UInt8 = c <= UInt8(ascii: "9") ? c - UInt8(ascii: "0") : c - UInt8(ascii: "a") + 10
      if let h = high { out.append(h << 4 | v); high = nil } else { high = v }
    }
    return out
  }

  static func withLength(_ body: [UInt8], tail: Int) -> [UInt8] {
    var length = UInt64(body.count).littleEndian
    return withUnsafeBytes(of: &length) { Array($0) } + body + [UInt8](repeating: 0, count: tail)
  }

  static let cases: [Case] = {
    let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("ReferenceCases/reference-cases.txt")
    guard let text = try? String(contentsOf: url, encoding: .utf8) else { return [] }
    var cases: [Case] = []
    for line in text.split(separator: "\n") where !line.hasPrefix("#") {
      let f = line.split(separator: "\t", omittingEmptySubsequences: false)
      let bytes: [UInt8]
      switch f[2] {
      case "F":
        bytes = hex(f[3])
      case "R":
        let entry = String(decoding: hex(f[4]), as: UTF8.self)
        var body = hex(f[3])
        for i in 0..<Int(f[5])! {
          if i > 0 { body.append(UInt8(ascii: ",")) }
          body += entry.replacingOccurrences(of: "{i}", with: String(i)).utf8
        }
        body += hex(f[6])
        bytes = withLength(body, tail: Int(f[7])!)
      default:  // "P"
        var body: [UInt8] = []
        var i = 4
        while i + 1 < f.count {
          let piece = hex(f[i])
          for _ in 0..<Int(f[i + 1])! { body += piece }
          i += 2
        }
        bytes = withLength(body, tail: Int(f[3])!)
      }
      cases.append(Case(name: String(f[0]), accepted: f[1] == "accept", bytes: bytes))
    }
    return cases
  }()

  static func ours(_ bytes: [UInt8]) -> Result<Header.Parsed, SafeTensorsError> {
    bytes.withUnsafeBytes { raw -> Result<Header.Parsed, SafeTensorsError> in
      do throws(SafeTensorsError) {
        return .success(try Header.validate(raw, path: "case.safetensors"))
      } catch {
        return .failure(error)
      }
    }
  }

  @Test("the case file is there and covers the reference's own tests, attacks and rules")
  func coverage() {
    #expect(Self.cases.count >= 400)
    for prefix in ["rs.", "py.", "attacks.", "spec.", "num.", "depth.", "names.", "dtype.", "count."] {
      #expect(Self.cases.contains { $0.name.hasPrefix(prefix) }, "no case named \(prefix)…")
    }
    #expect(Self.cases.filter(\.accepted).count > 100)
  }

  @Test("every case gets the reference's verdict, except the documented stricter ones")
  func verdicts() {
    var disagreements: [String] = []
    for c in Self.cases {
      let accepted = (try? Self.ours(c.bytes).get()) != nil
      if let reason = Self.exceptions[c.name] {
        // A documented exception: the reference accepts, we refuse.
        if !(c.accepted && !accepted) { disagreements.append("\(c.name): listed as an exception (\(reason)) but verdicts are reference \(c.accepted), ours \(accepted)") }
      } else if accepted != c.accepted {
        let why = (try? Self.ours(c.bytes).get()).map { _ in "accepted" } ?? "\(Self.ours(c.bytes))"
        disagreements.append("\(c.name): reference \(c.accepted ? "accepts" : "refuses"), ours \(why)")
      }
    }
    #expect(disagreements.isEmpty, "\(disagreements.count) disagreements:\n\(disagreements.joined(separator: "\n"))")
  }

  @Test("names are bytes: NFC and NFD, K and the Kelvin sign are two tensors, each found by its own bytes")
  func unicodeNames() throws {
    let c = try #require(Self.cases.first { $0.name == "names.nfc_and_nfd" })
    let parsed = try Self.ours(c.bytes).get()
    #expect(parsed.entries.map { Array($0.name.utf8) }.sorted { $0.lexicographicallyPrecedes($1) }
            == [Array("cafe\u{301}".utf8), Array("caf\u{E9}".utf8)])  // NFD first: 0x65 < 0xC3
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("refdiff-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    let path = dir.appendingPathComponent("k.safetensors").path
    let kelvin = try #require(Self.cases.first { $0.name == "names.k_and_kelvin" })
    #expect(FileManager.default.createFile(atPath: path, contents: Data(kelvin.bytes)))
    let file = try SafeTensorsFile(path: path)
    #expect(file.tensors.count == 2)
    #expect(file["K"]?.dataOffsets == 0..<16)
    #expect(file["\u{212A}"]?.dataOffsets == 16..<32)
  }

  @Test("the writer keeps byte-different names apart and orders metadata keys by UTF-8 bytes")
  func writerNames() throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("refdiff-w-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    let path = dir.appendingPathComponent("w.safetensors").path
    let names = ["caf\u{E9}", "cafe\u{301}", "K", "\u{212A}"]
    let writer = try SafeTensorsWriter(path: path, tensors: names.map { TensorHeader(name: $0, dtype: .u8, shape: [1]) },
                                       metadata: ["\u{E9}": "1", "z": "2", "\u{212A}": "3"])
    let data = [UInt8](repeating: 7, count: names.count)
    try data.withUnsafeBytes { bytes in try writer.write(bytes) }
    try writer.finish()
    let file = try SafeTensorsFile(path: path)
    #expect(file.tensors.count == 4)
    for name in names { #expect(file[name] != nil, "\(name.unicodeScalars.map { $0.value })") }
    let header = try #require(String(data: try Data(contentsOf: URL(fileURLWithPath: path)).prefix(8 + file.headerLength).dropFirst(8), encoding: .utf8))
    // z (0x7A) < é (0xC3 0xA9) < Kelvin (0xE2 0x84 0xAA) in UTF-8 byte order.
    let z = try #require(header.range(of: "\"z\""))
    let e = try #require(header.range(of: "\\u00e9"))
    let k = try #require(header.range(of: "\\u212a"))
    #expect(z.lowerBound < e.lowerBound && e.lowerBound < k.lowerBound)
    // [2^62, 0] is 0 elements: 0 bytes, as the reference counts.
    #expect(Header.bitCount(.f32, [1 << 62, 0]) == 0)
    #expect(Header.bitCount(.f32, [1 << 62, 4, 0]) == nil)
  }
}
