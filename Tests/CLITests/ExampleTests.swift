import Foundation
import SafeTensors
import Testing
import TestSupport

/// The Examples package (a separate package depending on this one by path, docs/LIBRARY.md), built by make test.
@Suite("Examples package")
struct ExampleTests {
  static let binary = Fixtures.root + "/Examples/.build/debug/embed"

  @Test("embed converts, maps and runs seqcls: its [CLS] embedding is transformers' last_hidden_state[0, 0], from any format")
  func embedding() throws {
    guard FileManager.default.isExecutableFile(atPath: Self.binary) else {
      #expect(!Python.inCI, "make test builds the Examples package before the tests")
      print("NOT RUN: \(Self.binary) is not built (`swift build --package-path Examples`; make test does it)")
      return
    }
    let golden = try SafeTensorsFile(path: Fixtures.path("models/seqcls/golden.safetensors"))
    let texts = try JSONSerialization.jsonObject(with: Data((golden.metadata["texts"] ?? "").utf8)) as? [Any]
    let text = try #require(texts?.first as? String)
    let hidden = try golden.tensor(named: "last_hidden_state")
    let width = hidden.shape[2]
    let expected: [Float] = hidden.withUnsafeBytes { raw in (0..<width).map { raw.loadUnaligned(fromByteOffset: $0 * 4, as: Float.self) } }

    var lines: [String] = []
    for source in ["safetensors", "h5"] {
      let result = try run(Self.binary, [Fixtures.path("models/seqcls/" + source), text,
                                         "--tokenizer", Fixtures.path("models/seqcls/safetensors")],
                       // libhdf5 runs in the helper, which a program of another package finds through this variable.
                       environment: ["BERTWEIGHTS_HDF5_READER": Binaries.path("bert-hdf5-reader")])
      #expect(result.status == 0, "\(result.stderr)")
      let line = result.stdout.split(separator: "\n").first { $0.hasPrefix("embedding: ") } ?? ""
      let values = line.dropFirst("embedding: ".count).split(separator: " ").compactMap { Float($0) }
      #expect(values.count == width)
      let diff = zip(values, expected).map { abs($0 - $1) }.max() ?? .infinity
      #expect(diff < 1e-5, "max abs diff \(diff) against transformers")
      #expect(result.stdout.contains("bert.embeddings.word_embeddings.weight: F32 ["))
      lines.append(String(line))
    }
    // One canonical file whatever the format, so the same embedding to the last digit.
    #expect(lines.count == 2 && lines[0] == lines[1])
  }
}
