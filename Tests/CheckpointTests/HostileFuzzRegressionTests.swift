import Support
import Foundation
import SafeTensors
import Testing
import TestSupport
@testable import Checkpoint

/// Every input the fuzzers (fuzz/, `make fuzz`) turned up, committed under golden/hostile/fuzz/<target>/, replayed
/// through the entry point its target drives: each must be refused with a CheckpointError that is one printable
/// line naming the file.
@Suite("Fuzzer regressions")
struct HostileFuzzRegressionTests {
  static let root = Fixtures.path("hostile/fuzz")

  /// (target, input file name) for the targets that read checkpoints.
  static let inputs: [String] = ["safetensors", "unpickler", "zip", "index"].flatMap { target in
    FileManagerShim.list(root + "/" + target).filter { !$0.hasPrefix(".") }.map { target + "/" + $0 }
  }

  /// The legacy header fuzz-unpickler puts before an input that lacks one: the pickled magic number and STOP,
  /// protocol 1001, an empty sys_info.
  static let legacyHeader: [UInt8] = [0x80, 0x02, 0x8A, 0x0A, 0x6C, 0xFC, 0x9C, 0x46, 0xF9, 0x20, 0x6A, 0xA8, 0x50, 0x19, 0x2E]
    + [0x80, 0x02, 0x4D, 0xE9, 0x03, 0x2E] + [0x80, 0x02, 0x7D, 0x2E]

  /// Writes `input` as its target's harness does and returns the path Checkpoint.open is given.
  static func file(for input: String, in dir: TemporaryDirectory) throws -> String {
    let target = String(input.prefix { $0 != "/" })
    let bytes = try #require(FileManagerShim.read(root + "/" + input))
    switch target {
    case "safetensors":
      FileManagerShim.write(bytes, to: dir.file("model.safetensors"))
      return dir.file("model.safetensors")
    case "unpickler":
      let whole = bytes.starts(with: legacyHeader.prefix(15)) ? bytes : legacyHeader + bytes
      FileManagerShim.write(whole, to: dir.file("pytorch_model.bin"))
      return dir.file("pytorch_model.bin")
    case "zip":
      FileManagerShim.write(bytes, to: dir.file("pytorch_model.bin"))
      return dir.file("pytorch_model.bin")
    default:
      FileManagerShim.write(bytes, to: dir.file("model.safetensors.index.json"))
      return dir.file("model.safetensors.index.json")
    }
  }

  @Test("there are regression inputs for the targets that found something")
  func present() {
    #expect(Self.inputs.contains { $0.hasPrefix("unpickler/") })
    #expect(Self.inputs.contains { $0.hasPrefix("index/") })
  }

  @Test("each fuzzer finding is refused with one printable line naming the file", arguments: inputs)
  func refused(input: String) throws {
    let dir = TemporaryDirectory()
    let path = try Self.file(for: input, in: dir)
    do {
      _ = try Checkpoint.open(path)
      Issue.record("\(input) was accepted")
    } catch {
      let line = error.description
      #expect(line.hasPrefix(path), "\(line)")
      #expect(!line.unicodeScalars.contains { $0.value < 0x20 || (0x7F..<0xA0).contains($0.value) },
              "not one printable line: \(line.debugDescription)")
    }
  }

  @Test("names with line breaks, escapes and bidi overrides are shown escaped in every error type")
  func escaping() {
    let hostile = "a\nb\r\u{1B}[31mc\u{202E}d\u{85}"
    #expect(escapingControlCharacters(hostile) == "a\\nb\\r\\u{1B}[31mc\\u{202E}d\\u{85}")
    #expect(escapingControlCharacters("plain ünïcödé 東京") == "plain ünïcödé 東京")
    let checkpoint = CheckpointError(.malformed, file: "f.bin", at: "tensor '\(hostile)'", "bad")
    #expect(checkpoint.description == "f.bin: malformed checkpoint at tensor 'a\\nb\\r\\u{1B}[31mc\\u{202E}d\\u{85}': bad")
    let safetensors = SafeTensorsError(.invalidOffset, file: "f.safetensors", tensor: hostile, "hole")
    #expect(!safetensors.description.contains("\n") && safetensors.description.contains("a\\nb"))
  }
}
