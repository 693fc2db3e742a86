// swift-tools-version: 6.0
import PackageDescription

// libFuzzer targets for the parsers that read untrusted bytes (docs/SECURITY.md). Built and run by `make fuzz`
// (fuzz/run.sh):
//
//   swift build -c release -Xswiftc -sanitize=fuzzer,address --scratch-path ../.build-fuzz
//
// Each executable defines `LLVMFuzzerTestOneInput` and hands it to libFuzzer's driver from its entry point
// (SwiftPM links executables with `main` aliased to the module's entry point, so libFuzzer's own `main` is
// never used).

// MARK: - Shared settings

let swiftSettings: [SwiftSetting] = [.swiftLanguageMode(.v6)]

/// One fuzz target: `fuzz-<name>`, depending on the driver, the scratch-file helper and `products` of the root
/// package.
func fuzzTarget(_ name: String, _ products: [String]) -> Target {
  .executableTarget(
    name: "fuzz-" + name,
    dependencies: ["FuzzDriver", "FuzzSupport"] + products.map { .product(name: $0, package: "bert-weights") },
    swiftSettings: swiftSettings)
}

let package = Package(
  name: "bert-weights-fuzz",
  platforms: [.macOS(.v13)],
  dependencies: [
    .package(name: "bert-weights", path: "..")
  ],
  targets: [

    // MARK: - Fuzz targets

    fuzzTarget("safetensors", ["SafeTensors"]),
    fuzzTarget("unpickler", ["Checkpoint"]),
    fuzzTarget("zip", ["Checkpoint"]),
    fuzzTarget("index", ["SafeTensors", "Checkpoint"]),
    fuzzTarget("config", ["SafeTensors", "Models", "Convert"]),
    fuzzTarget("tokenizer", ["BERT"]),
    fuzzTarget("hdf5", ["Checkpoint"]),

    // MARK: - Support

    .target(name: "FuzzDriver"),
    .target(name: "FuzzSupport", dependencies: ["FuzzDriver"], swiftSettings: swiftSettings),
  ]
)
