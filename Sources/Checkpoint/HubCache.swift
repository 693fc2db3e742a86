import Foundation

/// The local HuggingFace hub cache, read the way `huggingface_hub.try_to_load_from_cache` reads it, so a model id
/// (`org/name`, `org/name@revision`) names the snapshot directory a `hf download org/name` left there.
/// Nothing is downloaded and no network is used (README.md, "Model ids").
///
/// Layout: `ROOT/models--org--name/refs/<revision>` holds a 40-hex commit; `snapshots/<commit>/` holds the files
/// (symlinks into `../../blobs/`). ROOT is `HF_HUB_CACHE`, else `HUGGINGFACE_HUB_CACHE`, else `HF_HOME/hub`, else
/// `XDG_CACHE_HOME/huggingface/hub`, else `~/.cache/huggingface/hub`.
public struct HubCache: Sendable {
  /// The cache root, and which setting chose it (`HF_HUB_CACHE`, …, or `default`).
  public let root: String
  public let rootSource: String

  public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
    func value(_ key: String) -> String? {
      guard let v = environment[key], !v.isEmpty else { return nil }
      return HubCache.expandingTilde(v, home: environment["HOME"])
    }
    if let v = value("HF_HUB_CACHE") {
      (root, rootSource) = (v, "HF_HUB_CACHE")
    } else if let v = value("HUGGINGFACE_HUB_CACHE") {
      (root, rootSource) = (v, "HUGGINGFACE_HUB_CACHE")
    } else if let v = value("HF_HOME") {
      (root, rootSource) = (v + "/hub", "HF_HOME")
    } else if let v = value("XDG_CACHE_HOME") {
      (root, rootSource) = (v + "/huggingface/hub", "XDG_CACHE_HOME")
    } else {
      let home = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
      (root, rootSource) = (home + "/.cache/huggingface/hub", "default")
    }
  }

  /// A model id split into repository and revision (`main` when none is given), or nil when `text` is not one.
  /// Repository ids are `org/name` with letters, digits, `-`, `_` and `.`; neither part starts or ends with `-`
  /// or `.`, and none holds `--` or `..` (the hub's own rules), so an id never names a path outside the cache.
  public static func parseModelID(_ text: String) -> (repo: String, revision: String)? {
    let parts = text.split(separator: "@", maxSplits: 1, omittingEmptySubsequences: false)
    let repo = String(parts[0])
    let revision = parts.count == 2 ? String(parts[1]) : "main"
    let names = repo.split(separator: "/", omittingEmptySubsequences: false)
    guard names.count == 2, isSafeRevision(revision) else { return nil }
    for name in names {
      guard !name.isEmpty, name.count <= 96,
            name.unicodeScalars.allSatisfy({ $0.isASCII && (CharacterSet.alphanumerics.contains($0) || "-_.".unicodeScalars.contains($0)) }),
            !name.hasPrefix("-"), !name.hasPrefix("."), !name.hasSuffix("-"), !name.hasSuffix("."),
            !name.contains("--"), !name.contains("..")
      else { return nil }
    }
    return (repo, revision)
  }

  /// A revision (branch, tag, `refs/pr/N` or commit) that stays inside `refs/` and `snapshots/`.
  static func isSafeRevision(_ revision: String) -> Bool {
    !revision.isEmpty && revision.count <= 256 && !revision.hasPrefix("/")
      && revision.split(separator: "/", omittingEmptySubsequences: false).allSatisfy { !$0.isEmpty && $0 != "." && $0 != ".." }
      && revision.unicodeScalars.allSatisfy { $0.value > 0x20 && $0.value < 0x7F && $0 != "\\" }
  }

  static func isCommitHash(_ text: String) -> Bool {
    text.utf8.count == 40 && text.utf8.allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }
  }

  /// The repository folder of `repo`: `models--org--name`.
  public func repositoryFolder(_ repo: String) -> String {
    root + "/models--" + repo.replacingOccurrences(of: "/", with: "--")
  }

  /// The snapshot directory of `repo` at `revision`: `refs/<revision>` read as the commit when it exists, else
  /// the revision taken as a commit (as the hub does; a 40-hex revision always is one).
  /// - Throws: ``CheckpointError`` `.notFound` naming the folders looked in and the command that downloads the model.
  public func snapshot(repo: String, revision: String) throws(CheckpointError) -> String {
    let folder = repositoryFolder(repo)
    let id = revision == "main" ? repo : repo + "@" + revision
    let refPath = folder + "/refs/" + revision
    var commit = revision
    // A ref holds the commit with no newline; the hub reads it unstripped, we tolerate trailing white space.
    if !HubCache.isCommitHash(revision), let data = FileManager.default.contents(atPath: refPath),
       let text = String(data: data, encoding: .utf8) {
      commit = text.trimmingCharacters(in: .whitespacesAndNewlines)
      guard HubCache.isCommitHash(commit) else {
        throw CheckpointError(.malformed, file: refPath, "does not hold a 40-hex commit hash")
      }
    }
    let snapshot = folder + "/snapshots/" + commit
    var isDirectory: ObjCBool = false
    if FileManager.default.fileExists(atPath: snapshot, isDirectory: &isDirectory), isDirectory.boolValue {
      return snapshot
    }
    let revisionArgument = revision == "main" ? "" : " --revision \(revision)"
    let origin = rootSource == "default" ? "the default cache" : "the cache in \(rootSource)"
    let missing = FileManager.default.fileExists(atPath: folder)
      ? "\(folder) has neither refs/\(revision) nor snapshots/\(commit)"
      : "no \(folder) in \(origin)"
    throw CheckpointError(
      .notFound, file: id,
      "no such file or directory, and not in the HuggingFace cache: \(missing); download it with"
        + " `hf download \(repo)\(revisionArgument)` (or `huggingface-cli download \(repo)\(revisionArgument)`)")
  }

  /// `source` itself when it exists on disk; otherwise, when it is a model id, its snapshot directory in the cache.
  /// - Throws: ``CheckpointError`` `.notFound` for a model id missing from the cache; any other missing path is
  ///   returned unchanged, for the reader to report.
  public static func resolve(_ source: String,
                             environment: [String: String] = ProcessInfo.processInfo.environment) throws(CheckpointError) -> String {
    guard !FileManager.default.fileExists(atPath: source), let (repo, revision) = parseModelID(source) else { return source }
    return try HubCache(environment: environment).snapshot(repo: repo, revision: revision)
  }

  static func expandingTilde(_ path: String, home: String?) -> String {
    guard path == "~" || path.hasPrefix("~/") else { return path }
    return (home ?? NSHomeDirectory()) + path.dropFirst()
  }
}
