import Checkpoint
import FuzzSupport

// The torch zip container: libzip's directory walk cross-checked with our own (end of central directory,
// ZIP64 locator and extra fields, local headers), record lookup, byteorder, data.pkl, stored and deflated
// records — through Checkpoint.open on the input as a file, then every tensor's bytes. Inputs that do not
// start with a zip local header are skipped, so libhdf5 is never handed fuzz input by format detection.

let zipMagic: [UInt8] = [0x50, 0x4B, 0x03, 0x04]

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzZip(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
  let input = inputBytes(data, size)
  guard input.starts(with: zipMagic) else { return -1 }  // -1: not added to the corpus
  let path = Scratch.write(input, as: "pytorch_model.bin")
  do {
    let checkpoint = try Checkpoint.open(path, from: .pytorch)
    for tensor in checkpoint.tensors {
      let count = try tensor.withContiguousBytes { $0.count }
      invariant(count == tensor.byteCount, "'\(tensor.name)' gave \(count) bytes, not \(tensor.byteCount)")
    }
  } catch let error as CheckpointError {
    checkErrorLine(error, naming: path)
  } catch {
    invariant(false, "an error that is not a CheckpointError: \(type(of: error)) \(error)")
  }
  return 0
}

runFuzzer(fuzzZip)
