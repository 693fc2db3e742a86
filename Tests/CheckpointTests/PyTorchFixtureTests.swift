import Support
import Foundation
import SafeTensors
import Testing
import TestSupport
@testable import Checkpoint

@Suite("PyTorch reader: the fixture zoo")
struct PyTorchFixtureTests {
  static let fixtures = PyTorchTestSupport.binFixtures.map(\.directory)

  @Test("the manifest lists the .bin fixtures this suite reads")
  func manifestHasBinFixtures() {
    let variants = Set(PyTorchTestSupport.binFixtures.map(\.variant))
    for variant in ["bin", "bin-sharded", "bin-legacy", "bin-f16", "bin-bf16", "bin-gamma-beta", "bin-state-dict",
                    "bin-protocol4", "bin-views", "bin-legacy-views"] {
      #expect(variants.contains(variant), "no \(variant) fixture in golden/manifest.json")
    }
  }

  @Test("every .bin fixture reads to the manifest's names (in state-dict order), dtypes, shapes and bytes", arguments: fixtures)
  func matchesManifest(directory: String) throws {
    let entry = try #require(Fixtures.manifest.first { $0.directory == directory })
    let checkpoint = try Checkpoint.open(Fixtures.path(directory), from: .pytorch)
    #expect(checkpoint.format.rawValue == entry.format)
    #expect(checkpoint.tensors.map(\.name) == PyTorchTestSupport.manifestOrder[directory])
    for tensor in checkpoint.tensors {
      let expected = try #require(entry.tensors[tensor.name], "\(directory): unexpected tensor \(tensor.name)")
      #expect(tensor.dtype.rawValue == expected.dtype, "\(directory): \(tensor.name)")
      #expect(tensor.shape == expected.shape, "\(directory): \(tensor.name)")
      #expect(try PyTorchTestSupport.sha256(of: tensor) == expected.sha256, "\(directory): \(tensor.name)")
      #expect(tensor.byteCount == tensor.elementCount * tensor.dtype.byteWidth)
    }
  }

  @Test("every .bin fixture holds the same bytes as its model's safetensors", arguments: fixtures)
  func matchesSafeTensors(directory: String) throws {
    let entry = try #require(Fixtures.manifest.first { $0.directory == directory })
    let referenceVariant = switch entry.variant {
    case "bin-f16": "safetensors-f16"
    case "bin-bf16": "safetensors-bf16"
    default: "safetensors"
    }
    let reference = try Checkpoint.open(Fixtures.path("models/\(entry.model)/\(referenceVariant)"), from: .safetensors)
    let ours = try Checkpoint.open(Fixtures.path(directory), from: .pytorch)
    // Old checkpoints spell LayerNorm parameters gamma/beta.
    let byName = Dictionary(ours.tensors.map {
      ($0.name.replacingOccurrences(of: "LayerNorm.gamma", with: "LayerNorm.weight")
        .replacingOccurrences(of: "LayerNorm.beta", with: "LayerNorm.bias"), $0)
    }, uniquingKeysWith: { first, _ in first })
    for expected in reference.tensors {
      let tensor = try #require(byName[expected.name], "\(directory) lacks \(expected.name)")
      #expect(tensor.dtype == expected.dtype && tensor.shape == expected.shape, "\(directory): \(expected.name)")
      #expect(try PyTorchTestSupport.bytes(of: tensor) == PyTorchTestSupport.bytes(of: expected), "\(directory): \(expected.name)")
    }
  }

  @Test("contiguous tensors are zero-copy slices of the mapping; strided views are materialised", arguments: [
    "models/seqcls/bin", "models/seqcls/bin-views", "models/seqcls/bin-legacy-views", "models/pretraining/bin-views",
  ])
  func zeroCopy(directory: String) throws {
    let checkpoint = try Checkpoint.open(Fixtures.path(directory), from: .pytorch)
    let strided = Self.stridedTensors(directory)
    if directory.hasSuffix("views") { #expect(!strided.isEmpty, "\(directory) has no strided view to test") }
    for tensor in checkpoint.tensors {
      let bytes = Mirror(reflecting: tensor).children.first { $0.label == "bytes" }?.value
      if strided.contains(tensor.name) {
        #expect(bytes is MaterialisedTensorBytes, "\(tensor.name) is strided but was not materialised")
      } else {
        #expect(bytes is MappedSliceBytes, "\(tensor.name) is contiguous but was not mapped in place")
      }
    }
  }

  @Test("tensors sharing one storage (fused q/k/v, packed weight and bias, tied decoder) each read their own slice")
  func sharedStorage() throws {
    let checkpoint = try Checkpoint.open(Fixtures.path("models/pretraining/bin-views"), from: .pytorch)
    let byName = Dictionary(uniqueKeysWithValues: checkpoint.tensors.map { ($0.name, $0) })
    let query = try #require(byName["bert.encoder.layer.0.attention.self.query.weight"])
    let key = try #require(byName["bert.encoder.layer.0.attention.self.key.weight"])
    #expect(try PyTorchTestSupport.bytes(of: query) != PyTorchTestSupport.bytes(of: key))
    let decoder = try #require(byName["cls.predictions.decoder.weight"])
    let embeddings = try #require(byName["bert.embeddings.word_embeddings.weight"])
    #expect(try PyTorchTestSupport.bytes(of: decoder) == PyTorchTestSupport.bytes(of: embeddings))
  }

  @Test("a sharded .bin with a missing shard or a misplaced tensor fails as a sharded safetensors checkpoint does")
  func shardErrors() throws {
    let source = Fixtures.path("models/seqcls/bin-sharded")
    let names = try FileManager.default.contentsOfDirectory(atPath: source)
    let shards = names.filter { $0.hasSuffix(".bin") }.sorted()
    try #require(shards.count >= 2)

    let missing = TemporaryDirectory()
    for name in names where name != shards[1] {
      try FileManager.default.copyItem(atPath: source + "/" + name, toPath: missing.file(name))
    }
    let missingError = PyTorchTestSupport.thrown { _ = try Checkpoint.open(missing.path) } as? CheckpointError
    #expect(missingError?.code == .shard && missingError?.description.contains(shards[1]) == true, "\(String(describing: missingError))")

    let misplaced = TemporaryDirectory()
    for name in names { try FileManager.default.copyItem(atPath: source + "/" + name, toPath: misplaced.file(name)) }
    let index = misplaced.file("pytorch_model.bin.index.json")
    var text = try String(contentsOfFile: index, encoding: .utf8)
    text = text.replacingOccurrences(of: "\"classifier.bias\": \"\(shards.last ?? "")\"", with: "\"classifier.bias\": \"\(shards[0])\"")
    try text.write(toFile: index, atomically: true, encoding: .utf8)
    let misplacedError = PyTorchTestSupport.thrown { _ = try Checkpoint.open(misplaced.path) } as? CheckpointError
    #expect(misplacedError?.code == .shard && misplacedError?.description.contains("classifier.bias") == true, "\(String(describing: misplacedError))")
  }

  /// Names of the manifest's tensors whose strides are not C-contiguous.
  static func stridedTensors(_ directory: String) -> Set<String> {
    guard let data = FileManager.default.contents(atPath: Fixtures.path("manifest.json")),
          let json = try? JSONValue.parse(Array(data)),
          let tensors = json["fixtures"]?[directory]?["tensors"]?.objectValue
    else { return [] }
    var names: Set<String> = []
    for (name, entry) in tensors {
      guard let shape = entry["shape"]?.arrayValue?.compactMap(\.intValue),
            let stride = entry["view"]?["stride"]?.arrayValue?.compactMap(\.intValue)
      else { continue }
      var expected = 1
      for (size, step) in zip(shape, stride).reversed() where size != 1 {
        if step != expected { names.insert(name) }
        expected *= size
      }
    }
    return names
  }
}
