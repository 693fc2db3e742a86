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
    .library(name: "Convert", targets: ["Convert"]),
    .library(name: "BERT", targets: ["BERT"]),
    .executable(name: "bert-convert", targets: ["bert-convert"]),
    .executable(name: "bert-verify", targets: ["bert-verify"]),
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0")
  ],
  targets: [

    // MARK: - Libraries

    .target(name: "SafeTensors", dependencies: ["CSHA256"], swiftSettings: swiftSettings),
    .target(name: "Checkpoint", dependencies: ["SafeTensors", "CZip", "CHDF5"], swiftSettings: swiftSettings),
    .target(name: "Convert", dependencies: ["SafeTensors", "Checkpoint"], swiftSettings: swiftSettings),
    .target(name: "BERT", dependencies: ["SafeTensors", "Checkpoint", "Convert", "CBLAS"], swiftSettings: swiftSettings),
    .target(
      name: "CLISupport", dependencies: [.product(name: "ArgumentParser", package: "swift-argument-parser")],
      swiftSettings: swiftSettings),

    // MARK: - Executables

    .executableTarget(
      name: "bert-convert",
      dependencies: ["Convert", "Checkpoint", "SafeTensors", "CLISupport", .product(name: "ArgumentParser", package: "swift-argument-parser")],
      swiftSettings: swiftSettings),
    .executableTarget(
      name: "bert-verify",
      dependencies: ["BERT", "Convert", "Checkpoint", "SafeTensors", "CLISupport", .product(name: "ArgumentParser", package: "swift-argument-parser")],
      swiftSettings: swiftSettings),

    // MARK: - System libraries (one wrapper file each inside the Swift module that uses it)

    .systemLibrary(name: "CZip", pkgConfig: "libzip", providers: [.apt(["libzip-dev"])]),
    .systemLibrary(name: "CHDF5", pkgConfig: "hdf5", providers: [.apt(["libhdf5-dev"])]),
    .systemLibrary(name: "CBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),

    // MARK: - C code Swift cannot express (per-function target features), called from one Swift file

    .target(name: "CSHA256"),

    // MARK: - Tests

    .target(name: "TestSupport", dependencies: ["SafeTensors"], path: "Tests/TestSupport", swiftSettings: swiftSettings),
    .testTarget(name: "SafeTensorsTests", dependencies: ["SafeTensors", "TestSupport"], swiftSettings: swiftSettings),
    .testTarget(name: "CheckpointTests", dependencies: ["Checkpoint", "SafeTensors", "TestSupport"], swiftSettings: swiftSettings),
    .testTarget(name: "ConvertTests", dependencies: ["Convert", "Checkpoint", "SafeTensors", "TestSupport"], swiftSettings: swiftSettings),
    .testTarget(name: "BERTTests", dependencies: ["BERT", "Convert", "Checkpoint", "SafeTensors", "TestSupport"], swiftSettings: swiftSettings),
    .testTarget(name: "CLITests", dependencies: ["SafeTensors", "TestSupport"], swiftSettings: swiftSettings),
  ]
)
