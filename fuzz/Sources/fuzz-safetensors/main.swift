import FuzzSupport
import SafeTensors

// The safetensors reader on arbitrary bytes: the 8-byte length, the JSON header (strict parser, duplicate keys),
// every validation rule, then every tensor view of an accepted file. An accepted file must be exactly
// header + contiguous tensors; a refused one must give a one-line error naming the file.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSafeTensors(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
  let path = Scratch.write(inputBytes(data, size), as: "model.safetensors")
  do {
    let file = try SafeTensorsFile(path: path)
    var end = 8 + file.headerLength
    var checksum: UInt8 = 0
    for tensor in file.tensors {
      invariant(tensor.fileRange.lowerBound == end, "'\(tensor.name)' does not follow the previous tensor")
      invariant(tensor.elementCount * tensor.dtype.bitWidth == tensor.byteCount * 8, "'\(tensor.name)' size")
      invariant(file[tensor.name]?.fileRange == tensor.fileRange, "'\(tensor.name)' is not found by name")
      tensor.withUnsafeBytes { bytes in
        if let first = bytes.first, let last = bytes.last { checksum ^= first ^ last }
      }
      end = tensor.fileRange.upperBound
    }
    invariant(end == file.file.count, "accepted a file with \(file.file.count - end) bytes after the last tensor")
    _ = checksum
  } catch {
    checkErrorLine(error, naming: path)
  }
  return 0
}

runFuzzer(fuzzSafeTensors)
