// swift-tools-version: 6.0
import PackageDescription

// MARK: - Shared settings

let swiftSettings: [SwiftSetting] = [.swiftLanguageMode(.v6)]

let package = Package(
  name: "bert-weights",
  platforms: [.macOS(.v13)],

  // MARK: - Products

  products: [
    .library(name: "SafeTensors", targets: ["SafeTensors"]),
    .library(name: "Checkpoint", targets: ["Checkpoint"]),
    .library(name: "Models", targets: ["Models"]),
    .library(name: "Convert", targets: ["Convert"]),
    .library(name: "BERT", targets: ["BERT"]),
    .executable(name: "bert-convert", targets: ["bert-convert"]),
    .executable(name: "bert-verify", targets: ["bert-verify"]),
    .executable(name: "bert-hdf5-reader", targets: ["bert-hdf5-reader"]),
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0")
  ],
  targets: [

    // MARK: - Libraries

    // Data flows one way: file → Checkpoint (named tensors) → Models (family tables, parameter map) →
    // Convert (canonical writer) or BERT (encoder). docs/ARCHITECTURE.md walks a tensor through them.
    .target(name: "SafeTensors", dependencies: ["Support", "CSHA256", "CLinux", "CSafeOutput"], swiftSettings: swiftSettings),
    .target(name: "Checkpoint", dependencies: ["SafeTensors", "Support", "CZip"], swiftSettings: swiftSettings),
    .target(name: "Models", dependencies: ["SafeTensors", "Checkpoint", "Support"], swiftSettings: swiftSettings),
    .target(name: "Convert", dependencies: ["SafeTensors", "Checkpoint", "Models", "Support"], swiftSettings: swiftSettings),
    .target(name: "BERT", dependencies: ["SafeTensors", "Checkpoint", "Models", "Support", "CBLAS", "CGEMM"], swiftSettings: swiftSettings),

    // MARK: - Implementation details (no product): JSON, printable text, checked arithmetic, error context

    .target(name: "Support", swiftSettings: swiftSettings),
    .target(
      name: "CLISupport",
      dependencies: ["Checkpoint", "SafeTensors", "Support", .product(name: "ArgumentParser", package: "swift-argument-parser")],
      swiftSettings: swiftSettings),

    // MARK: - Executables

    .executableTarget(
      name: "bert-convert",
      dependencies: ["Convert", "Models", "Checkpoint", "SafeTensors", "Support", "CLISupport", .product(name: "ArgumentParser", package: "swift-argument-parser")],
      swiftSettings: swiftSettings),
    .executableTarget(
      name: "bert-verify",
      dependencies: ["BERT", "Convert", "Models", "Checkpoint", "SafeTensors", "Support", "CLISupport", .product(name: "ArgumentParser", package: "swift-argument-parser")],
      swiftSettings: swiftSettings),

    // The only process that runs libhdf5: a child of either tool under a seccomp filter (docs/SECURITY.md).
    .executableTarget(
      name: "bert-hdf5-reader", dependencies: ["Checkpoint", "SafeTensors", "CHDF5", "CSandbox"], swiftSettings: swiftSettings),

    // MARK: - System libraries (one wrapper file each inside the Swift module that uses it)

    .systemLibrary(name: "CZip", pkgConfig: "libzip", providers: [.apt(["libzip-dev"])]),
    .systemLibrary(name: "CHDF5", pkgConfig: "hdf5", providers: [.apt(["libhdf5-dev"])]),
    .systemLibrary(name: "CBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),

    // MARK: - C code Swift cannot express (per-function target features), called from one Swift file

    .target(name: "CSHA256"),
    .target(name: "CSafeOutput"),
    .target(name: "CSandbox"),
    .target(name: "CLinux"),
    .target(name: "CGEMM", cSettings: [.unsafeFlags(["-O3", "-ffp-contract=off"])]),

    // MARK: - Tests

    .target(name: "TestSupport", dependencies: ["SafeTensors", "Support"], path: "Tests/TestSupport", swiftSettings: swiftSettings),
    .testTarget(name: "SafeTensorsTests", dependencies: ["SafeTensors", "Support", "TestSupport"],
                // Read from the source tree by ReferenceDifferentialTests; generate.py makes them from the reference.
                exclude: ["ReferenceCases"], swiftSettings: swiftSettings),
    .testTarget(name: "CheckpointTests", dependencies: ["Checkpoint", "SafeTensors", "Support", "TestSupport"], swiftSettings: swiftSettings),
    .testTarget(name: "ConvertTests", dependencies: ["Convert", "Models", "Checkpoint", "SafeTensors", "Support", "TestSupport"], swiftSettings: swiftSettings),
    .testTarget(name: "BERTTests", dependencies: ["BERT", "CGEMM", "Convert", "Models", "Checkpoint", "SafeTensors", "Support", "TestSupport"], swiftSettings: swiftSettings),
    .testTarget(name: "CLITests", dependencies: ["CLISupport", "SafeTensors", "Support", "TestSupport"], swiftSettings: swiftSettings),
  ]
)
