import Foundation
import Testing
import TestSupport
@testable import BERT

/// Every golden passes from every serialisation of its model (golden/manifest.json lists them; new formats are
/// included as soon as their directories are).
@Suite("Parity with transformers on the fixture zoo")
struct GoldenParityTests {
  static let fixtures = Fixtures.manifest

  /// The tolerance a fixture is held to: its golden's own for f32 weights; for f16/bf16 weights — the goldens come
  /// from the f32 model, so rounding the weights alone moves the outputs by ≈ 3e-3 (f16) and ≈ 2.4e-2 (bf16) — a
  /// tolerance about 3× above that, with the cosine check below still catching real mistakes.
  static func tolerance(variant: String) -> (atol: Double?, rtol: Double?, reducedPrecision: Bool) {
    if variant.hasSuffix("bf16") { return (6e-2, 2e-2, true) }
    if variant.hasSuffix("f16") { return (1e-2, 1e-2, true) }
    return (nil, nil, false)
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
    let golden = try Golden(path: goldenPath(entry.model))
    let (atol, rtol, reduced) = GoldenParityTests.tolerance(variant: entry.variant)
    let report = try ParityReport.compare(model: model, modelPath: directory, golden: golden, atol: atol, rtol: rtol)
    #expect(report.passed, "\(directory):\n\(report.table)")
    #expect(report.rows.count == golden.outputs.count)
    for row in report.rows {
      if reduced {
        #expect(row.cosine > 0.9999, "\(directory) \(row.name): cosine \(row.cosine)")
      } else {
        // f32 weights: float32-rounding level agreement, 10× inside the goldens' atol.
        #expect(row.maxAbsDiff <= 1e-5, "\(directory) \(row.name): max abs diff \(row.maxAbsDiff)")
      }
    }
  }
}
