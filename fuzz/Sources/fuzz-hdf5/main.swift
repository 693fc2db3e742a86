import Checkpoint
import FuzzSupport

// A Keras HDF5 file through Checkpoint.open, then every tensor's bytes. libhdf5 runs in the sandboxed
// bert-hdf5-reader child (docs/SECURITY.md), so what is fuzzed here is everything of ours around it: the child's
// start, the protocol, the parent's re-checks of every length, dtype, shape and block, the Keras layout walk and
// the TF-name mapping — and that whatever libhdf5 does with the input (crash, hang, forbidden call) ends as one
// error line. fuzz/run.sh points BERTWEIGHTS_HDF5_READER at a built reader. Inputs that do not start with the
// HDF5 signature are skipped (libhdf5 also finds a signature at 512, 1024, …; those are left to the seeds).

let hdf5Magic: [UInt8] = [0x89, 0x48, 0x44, 0x46, 0x0D, 0x0A, 0x1A, 0x0A]

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzHDF5(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
  let input = inputBytes(data, size)
  guard input.starts(with: hdf5Magic) else { return -1 }  // -1: not added to the corpus
  let path = Scratch.write(input, as: "tf_model.h5")
  do {
    let checkpoint = try Checkpoint.open(path, from: .tf)
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

runFuzzer(fuzzHDF5)
