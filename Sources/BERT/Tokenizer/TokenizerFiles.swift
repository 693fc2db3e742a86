import Support
import Foundation
import SafeTensors

/// Reading the tokenizer's files, with errors that name them.
enum TokenizerFiles {
  /// The largest tokenizer file read (real ones are at most a few tens of megabytes).
  static let maxFileSize = 1 << 30

  /// The bytes of a file.
  static func read(_ path: String) throws(TokenizerError) -> [UInt8] {
    if let size = (try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber, size.int64Value > Int64(maxFileSize) {
      throw TokenizerError(.malformed, file: path, "\(size.int64Value) bytes, more than the \(maxFileSize >> 20) MiB a tokenizer file may have")
    }
    guard let data = FileManager.default.contents(atPath: path) else {
      throw TokenizerError(.unreadable, file: path, "cannot read the file")
    }
    return [UInt8](data)
  }

  /// A file that must hold one JSON object.
  static func readJSON(_ path: String) throws(TokenizerError) -> JSONValue {
    let bytes = try read(path)
    let json: JSONValue
    do {
      json = try JSONValue.parse(bytes)
    } catch {
      throw TokenizerError(.malformed, file: path, "invalid JSON: \(error)")
    }
    guard case .object = json else { throw TokenizerError(.malformed, file: path, "not a JSON object") }
    return json
  }
}
