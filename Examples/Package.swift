// swift-tools-version: 6.0
import Foundation
import PackageDescription

// Uses bert-weights as any other package would, through its products (docs/LIBRARY.md). The dependency is the
// checkout this folder sits in; SwiftPM names a path dependency after its folder, whatever that folder is called.
let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
let rootIdentity = root.lastPathComponent.lowercased()

let package = Package(
  name: "bert-weights-examples",
  platforms: [.macOS(.v13)],
  dependencies: [.package(path: root.path)],
  targets: [
    .executableTarget(
      name: "embed",
      dependencies: [
        .product(name: "BERT", package: rootIdentity),
        .product(name: "Convert", package: rootIdentity),
        .product(name: "SafeTensors", package: rootIdentity),
      ],
      swiftSettings: [.swiftLanguageMode(.v6)]),
    // docs/LIBRARY.md's examples as one program (scripts/library-snippets.sh writes it), so a build checks them.
    .executableTarget(
      name: "library-snippets",
      dependencies: ["SafeTensors", "Checkpoint", "Models", "Convert", "BERT"].map { .product(name: $0, package: rootIdentity) },
      swiftSettings: [.swiftLanguageMode(.v6)]),
  ]
)
