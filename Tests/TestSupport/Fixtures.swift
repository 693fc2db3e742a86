import Foundation
@_exported import struct SafeTensors.SHA256

/// Paths into the repository's committed fixtures, and the manifest golden/generate.py writes.
public enum Fixtures {
  /// The repository root, found from this file's location.
  public static let root: String = {
    var url = URL(fileURLWithPath: #filePath)
    for _ in 0..<3 { url.deleteLastPathComponent() }
    return url.path
  }()

  public static var golden: String { root + "/golden" }

  /// A path relative to golden/.
  public static func path(_ relative: String) -> String { golden + "/" + relative }

  /// One fixture directory's manifest entry.
  public struct Entry: Sendable {
    public struct Tensor: Sendable {
      public var dtype: String
      public var shape: [Int]
      public var sha256: String
    }
    /// The fixture directory relative to golden/ (e.g. `models/seqcls/bin`).
    public var directory: String
    public var model: String
    public var variant: String
    public var format: String
    public var tensors: [String: Tensor]
  }

  /// golden/manifest.json, parsed.
  public static let manifest: [Entry] = {
    guard let data = FileManager.default.contents(atPath: path("manifest.json")),
          let json = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
          let fixtures = json["fixtures"] as? [String: Any]
    else { return [] }
    return fixtures.keys.sorted().compactMap { directory in
      guard let item = fixtures[directory] as? [String: Any], let tensors = item["tensors"] as? [String: Any] else { return nil }
      var parsed: [String: Entry.Tensor] = [:]
      for (name, value) in tensors {
        guard let t = value as? [String: Any] else { continue }
        parsed[name] = Entry.Tensor(dtype: t["dtype"] as? String ?? "", shape: t["shape"] as? [Int] ?? [], sha256: t["sha256"] as? String ?? "")
      }
      return Entry(directory: directory, model: item["model"] as? String ?? "", variant: item["variant"] as? String ?? "",
                   format: item["format"] as? String ?? "", tensors: parsed)
    }
  }()
}

/// A fresh directory under the system temporary directory, removed when the value is dropped.
public final class TemporaryDirectory {
  public let path: String

  /// - Parameter inMemory: place it in /dev/shm when that exists, for tests that write thousands of files.
  public init(_ label: String = #function, inMemory: Bool = false) {
    let name = "bertweights-" + label.filter { $0.isLetter || $0.isNumber } + "-" + UUID().uuidString.prefix(8)
    let base = inMemory && FileManager.default.fileExists(atPath: "/dev/shm") ? "/dev/shm/" : NSTemporaryDirectory()
    path = base + (base.hasSuffix("/") ? "" : "/") + name
    try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
  }

  deinit { try? FileManager.default.removeItem(atPath: path) }

  public func file(_ name: String) -> String { path + "/" + name }
}
