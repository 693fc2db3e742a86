import Checkpoint
import FuzzSupport

// The restricted unpickler, through the public entry point: the input is wrapped as a legacy (torch < 1.6)
// checkpoint — magic number, protocol 1001, an empty sys_info, then the input as the object pickle, the
// storage-key pickle and the raw storages — and opened with Checkpoint.open, which unpickles it, checks every
// tensor against its storage and reads each tensor's bytes. An input that already starts with the legacy magic
// is used as the whole file, so committed legacy checkpoints are seeds as they are.

/// Pickled magic number 0x1950a86a20f9469cfc6c (protocol 2, LONG1) and STOP.
let legacyMagic: [UInt8] = [0x80, 0x02, 0x8A, 0x0A, 0x6C, 0xFC, 0x9C, 0x46, 0xF9, 0x20, 0x6A, 0xA8, 0x50, 0x19, 0x2E]
/// Protocol version 1001 (BININT2) and an empty sys_info dict, each its own pickle.
let legacyHeader: [UInt8] = legacyMagic + [0x80, 0x02, 0x4D, 0xE9, 0x03, 0x2E] + [0x80, 0x02, 0x7D, 0x2E]

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzUnpickler(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
  let input = inputBytes(data, size)
  let path = input.starts(with: legacyMagic)
    ? Scratch.write(input, as: "pytorch_model.bin")
    : Scratch.write(legacyHeader + Array(input), as: "pytorch_model.bin")
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

runFuzzer(fuzzUnpickler)
