// swift-tools-version: 6.0
import Foundation
import PackageDescription

// Uses bert-weights as any other package would, through its products (docs/LIBRARY.md). The dependency is the
// checkout this folder sits in; SwiftPM names a path dependency after its folder, whatever that folder is called.
let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()

let package = Package(
  name: "bert-weights-examples",
  platforms: [.macOS(.v13)],
  dependencies: [.package(path: root.path)],
  targets: [
    .executableTarget(
      name: "embed",
      dependencies: [
        .product(name: "BERT", package: root.lastPathComponent),
        .product(name: "Convert", package: root.lastPathComponent),
        .product(name: "SafeTensors", package: root.lastPathComponent),
      ],
      swiftSettings: [.swiftLanguageMode(.v6)]),
  ]
)
