import Foundation
import Testing
import TestSupport

/// The crafted HDF5 files (HDF5CraftedFiles.swift, HostileHDF5Files.swift) through the built binary: each refusal
/// is exit 2 and one line on stderr naming the file and the dataset, group or attribute — libhdf5's own error
/// stack is never printed.
@Suite("HDF5 refusals through bert-convert: one line naming the file")
struct HostileHDF5ErrorLineTests {
  static let refused: [(name: String, file: CraftedHDF5, mentions: String)] = [
    ("string", .string, "dataset 'bert/tf_bert_model_3/bert/x:0'"), ("bool", .bool, "enum"), ("rank3", .rank3, "rank 3"),
    ("external", .external, "external file"), ("huge", .huge, "larger than"), ("overflow", .overflow, "more elements"),
    ("unwritten", .unwritten, "needs 4000000"), ("noweightnames", .noweightnames, "group 'bert'"),
    ("missing", .missing, "absent"), ("nolayers", .nolayers, "layer_names"), ("elink", .elink, "external link"),
    ("sparse", .sparse, "unwritten chunks"), ("beyond", .beyond, "9864-byte file"), ("copies", .copies, "more than 8 times"),
  ]

  @Test("every refused crafted HDF5 file: exit 2, one line naming the file and the dataset or group")
  func refusals() throws {
    let dir = TemporaryDirectory()
    for (name, crafted, mentions) in Self.refused {
      let path = crafted.write(to: dir.file(name + ".h5"))
      let result = try run(Binaries.path("bert-convert"), ["inspect", path])
      #expect(result.status == 2, "\(name): exit \(result.status): \(result.stderr)")
      #expect(result.stderr.split(separator: "\n", omittingEmptySubsequences: false).count == 2 && result.stderr.hasSuffix("\n"),
              "\(name): not exactly one line: \(result.stderr)")
      #expect(result.stderr.contains(path), "\(name): does not name the file: \(result.stderr)")
      #expect(result.stderr.contains(mentions), "\(name): does not mention '\(mentions)': \(result.stderr)")
    }
  }
}
