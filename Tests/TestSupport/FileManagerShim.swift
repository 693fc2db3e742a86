import Foundation

/// Small file helpers for tests.
public enum FileManagerShim {
  public static func write(_ bytes: [UInt8], to path: String) {
    FileManager.default.createFile(atPath: path, contents: Data(bytes))
  }

  public static func read(_ path: String) -> [UInt8]? {
    FileManager.default.contents(atPath: path).map { Array($0) }
  }

  public static func exists(_ path: String) -> Bool { FileManager.default.fileExists(atPath: path) }

  public static func list(_ directory: String) -> [String] {
    (try? FileManager.default.contentsOfDirectory(atPath: directory))?.sorted() ?? []
  }
}
