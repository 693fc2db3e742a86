import Support
import Foundation
import SafeTensors

/// Reading the tokenizer's files, with errors that name them.
enum TokenizerFiles {
  /// The bytes of a file.
  static func read(_ path: String) throws(TokenizerError) -> [UInt8] {
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
