import Foundation

/// A HuggingFace hub cache tree laid out as `hf download` leaves it: `models--org--name/refs/<branch>` holding the
/// commit (no newline), `snapshots/<commit>/<file>` relative symlinks to `../../blobs/<etag>`.
public struct FakeHubCache {
  public let root: String

  public init(root: String) {
    self.root = root
    try? FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
  }

  /// Adds `files` (name → source file to copy) as `repo` at `commit`, with `refs/<ref>` pointing at it when given.
  @discardableResult
  public func add(repo: String, commit: String, ref: String? = "main", files: [String: String]) throws -> String {
    let fm = FileManager.default
    let folder = root + "/models--" + repo.replacingOccurrences(of: "/", with: "--")
    let snapshot = folder + "/snapshots/" + commit
    try fm.createDirectory(atPath: folder + "/blobs", withIntermediateDirectories: true)
    try fm.createDirectory(atPath: snapshot, withIntermediateDirectories: true)
    for (index, (name, source)) in files.sorted(by: { $0.key < $1.key }).enumerated() {
      // Real etags are sha256 or git sha1 hex digests; any unique name resolves the same way.
      let etag = String(repeating: String(index % 10), count: 8) + commit.prefix(8) + String(name.utf8.count)
      let blob = folder + "/blobs/" + etag
      if !fm.fileExists(atPath: blob) { try fm.copyItem(atPath: source, toPath: blob) }
      try fm.createSymbolicLink(atPath: snapshot + "/" + name, withDestinationPath: "../../blobs/" + etag)
    }
    if let ref {
      let refPath = folder + "/refs/" + ref
      try fm.createDirectory(atPath: (refPath as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
      try Data(commit.utf8).write(to: URL(fileURLWithPath: refPath))
    }
    return snapshot
  }
}
