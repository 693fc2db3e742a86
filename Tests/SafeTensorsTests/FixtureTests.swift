import Foundation
import Testing
import TestSupport
@testable import SafeTensors

/// Every committed safetensors fixture (models, shards, goldens) opens, and every tensor's bytes hash to the
/// manifest's sha256.
@Suite("Committed fixtures")
struct FixtureTests {
  static let safetensorsFixtures = Fixtures.manifest.filter { $0.format == "safetensors" }

  @Test("the manifest lists safetensors fixtures of every model")
  func manifestPresent() {
    #expect(Set(FixtureTests.safetensorsFixtures.map(\.model)).isSuperset(of: ["seqcls", "base", "pretraining"]))
    #expect(FixtureTests.safetensorsFixtures.contains { $0.variant == "safetensors-sharded" })
  }

  @Test("each fixture's tensors match the manifest", arguments: FixtureTests.safetensorsFixtures.map(\.directory))
  func fixture(directory: String) throws {
    let entry = try #require(FixtureTests.safetensorsFixtures.first { $0.directory == directory })
    let dir = Fixtures.path(directory)
    let views: [TensorView]
    if FileManagerShim.exists(dir + "/model.safetensors.index.json") {
      views = try ShardedSafeTensors(indexPath: dir + "/model.safetensors.index.json").tensors
    } else {
      views = try SafeTensorsFile(path: dir + "/model.safetensors").tensors
    }
    #expect(Set(views.map(\.name)) == Set(entry.tensors.keys))
    for view in views {
      let expected = try #require(entry.tensors[view.name])
      #expect(view.dtype.rawValue == expected.dtype, "\(view.name)")
      #expect(view.shape == expected.shape, "\(view.name)")
      #expect(view.withUnsafeBytes { SHA256.hex($0) } == expected.sha256, "\(directory): \(view.name)")
    }
  }

  @Test("each model's golden opens and holds the contract's tensors", arguments: ["seqcls", "base", "pretraining", "minilm"])
  func golden(model: String) throws {
    let file = try SafeTensorsFile(path: Fixtures.path("models/\(model)/golden.safetensors"))
    for name in ["input_ids", "attention_mask", "token_type_ids"] {
      #expect(file[name]?.dtype == .i64, "\(name)")
    }
    #expect(file["last_hidden_state"]?.dtype == .f32)
    #expect(file.metadata["atol"].flatMap(Double.init) != nil)
    #expect(file.metadata["rtol"].flatMap(Double.init) != nil)
    #expect(file.metadata["generator"]?.contains("transformers 4.57.6") == true)
    #expect((model == "seqcls") == (file["logits"] != nil))
  }
}
