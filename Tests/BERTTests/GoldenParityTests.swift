import Foundation
import Testing
import TestSupport
@testable import BERT

/// Every golden passes from every serialisation of its model (golden/manifest.json lists them; new formats are
/// included as soon as their directories are).
@Suite("Parity with transformers on the fixture zoo")
struct GoldenParityTests {
  static let fixtures = Fixtures.manifest

  /// The golden a fixture is checked against: its model's, or for f16/bf16 weights the golden transformers computed
  /// from those rounded weights in float32 (`golden-f16.safetensors`, `golden-bf16.safetensors`; docs/GOLDEN.md), so
  /// every fixture is held to its golden's own f32 tolerances.
  static func golden(for entry: Fixtures.Entry) -> String {
    for dtype in ["bf16", "f16"] where entry.variant.hasSuffix("-" + dtype) {
      return Fixtures.path("models/\(entry.model)/golden-\(dtype).safetensors")
    }
    return goldenPath(entry.model)
  }

  @Test("the manifest lists the fixture zoo")
  func manifest() {
    #expect(GoldenParityTests.fixtures.count >= 33)
    #expect(Set(GoldenParityTests.fixtures.map(\.format)).isSuperset(of: ["safetensors", "pytorch-zip", "pytorch-legacy", "hdf5"]))
  }

  @Test("the golden passes from this serialisation", arguments: GoldenParityTests.fixtures.map(\.directory))
  func parity(_ directory: String) throws {
    let entry = try #require(GoldenParityTests.fixtures.first { $0.directory == directory })
    let model = try BertModel.load(Fixtures.path(directory))
    let golden = try Golden(path: GoldenParityTests.golden(for: entry))
    let report = try ParityReport.compare(model: model, modelPath: directory, golden: golden)
    #expect(report.passed, "\(directory):\n\(report.table)")
    #expect(report.toleranceSource == "golden")
    #expect(report.rows.count == golden.outputs.count)
    for row in report.rows {
      // float32-rounding level agreement, within the tiny goldens' atol 1e-5 (MiniLM's is 1e-4).
      #expect(row.maxAbsDiff <= 1e-5, "\(directory) \(row.name): max abs diff \(row.maxAbsDiff)")
    }
  }
}
