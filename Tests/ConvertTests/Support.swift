import Checkpoint
import Foundation
import SafeTensors
import TestSupport
@testable import Convert

/// The fixture directories of `model` holding f32 weights (every serialisation but the f16/bf16 copies).
func f32Fixtures(of model: String) -> [String] {
  Fixtures.manifest.filter { $0.model == model && !$0.variant.contains("f16") }.map(\.directory)
}

/// sha256 of a whole file.
func fileSHA(_ path: String) -> String? {
  FileManagerShim.read(path).map(SHA256.hex)
}

/// The manifest's canonical tensors of `model`: name → (dtype, shape, sha256).
func canonicalManifest(_ model: String) -> [String: (dtype: String, shape: [Int], sha256: String)] {
  guard let data = FileManager.default.contents(atPath: Fixtures.path("manifest.json")),
        let json = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
        let canonical = (json["canonical"] as? [String: Any])?[model] as? [String: Any]
  else { return [:] }
  var result: [String: (String, [Int], String)] = [:]
  for (name, value) in canonical {
    guard let t = value as? [String: Any] else { continue }
    result[name] = (t["dtype"] as? String ?? "", t["shape"] as? [Int] ?? [], t["sha256"] as? String ?? "")
  }
  return result
}

/// Copies a fixture directory into `dir` so a test can edit it.
func copyFixture(_ relative: String, into dir: TemporaryDirectory) throws -> String {
  let target = dir.file("model")
  try FileManager.default.copyItem(atPath: Fixtures.path(relative), toPath: target)
  return target
}

/// Replaces `key` in a copied config.json with a raw JSON value.
func editConfig(_ directory: String, _ key: String, _ rawValue: String) throws {
  let path = directory + "/config.json"
  var config = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as! [String: Any]
  config[key] = try JSONSerialization.jsonObject(with: Data(rawValue.utf8), options: .fragmentsAllowed)
  try JSONSerialization.data(withJSONObject: config).write(to: URL(fileURLWithPath: path))
}

/// Runs a conversion expecting a ConvertError, returning it.
func convertError(_ source: String, _ output: String) -> ConvertError? {
  do {
    _ = try Conversion.run(source: source, output: output)
    return nil
  } catch let error as ConvertError {
    return error
  } catch {
    return ConvertError(.unsupported, file: "", "unexpected error type: \(error)")
  }
}
