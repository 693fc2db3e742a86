import SafeTensors
import TestSupport

/// Builds a file from a raw header string and data bytes, with an exact (unpadded) header length.
func rawFile(header: String, data: [UInt8] = [], declaredLength: UInt64? = nil) -> [UInt8] {
  let json = Array(header.utf8)
  var length = (declaredLength ?? UInt64(json.count)).littleEndian
  return withUnsafeBytes(of: &length) { Array($0) } + json + data
}

/// Writes `bytes` into `dir` and opens it, returning the error code (or nil when it opens).
func openCode(_ bytes: [UInt8], in dir: TemporaryDirectory, name: String = "t.safetensors") -> (SafeTensorsError.Code?, String) {
  let path = dir.file(name)
  FileManagerShim.write(bytes, to: path)
  do {
    _ = try SafeTensorsFile(path: path)
    return (nil, "")
  } catch {
    return (error.code, error.description)
  }
}

/// Writes tensors with the streaming writer, each tensor's bytes given whole.
func writeFile(_ path: String, _ tensors: [(TensorHeader, [UInt8])], metadata: [String: String] = [:]) throws {
  let writer = try SafeTensorsWriter(path: path, tensors: tensors.map(\.0), metadata: metadata)
  for (_, bytes) in tensors { try bytes.withUnsafeBytes { try writer.write($0) } }
  try writer.finish()
}

func floats(_ values: [Float]) -> [UInt8] { values.withUnsafeBytes { Array($0) } }
