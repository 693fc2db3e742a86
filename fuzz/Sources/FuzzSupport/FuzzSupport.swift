import Glibc  // libFuzzer ships with the Linux toolchains
import FuzzDriver

/// Hands `callback` (the target's `LLVMFuzzerTestOneInput`) to libFuzzer's driver with the process's arguments,
/// and exits with its status. Every libFuzzer flag works (`-max_total_time=60`, a corpus directory, or input
/// files to replay).
public func runFuzzer(_ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt) -> Never {
  exit(fuzz_driver_run(CommandLine.argc, CommandLine.unsafeArgv, callback))
}

/// The input as a buffer (libFuzzer passes a null pointer for the empty input).
public func inputBytes(_ data: UnsafePointer<UInt8>?, _ size: Int) -> UnsafeRawBufferPointer {
  UnsafeRawBufferPointer(start: size == 0 ? nil : data, count: size)
}

/// A directory of this process's own in /dev/shm (tmpfs, so writing each input costs no disk I/O), for targets
/// whose readers take a path (mmap, libzip). Removed when the fuzzer exits normally.
public enum Scratch {
  public static let directory: String = {
    let base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp"
    let path = "\(base)/bertweights-fuzz-\(getpid())"
    mkdir(path, 0o700)
    atexit {
      // Only files this process wrote: one level, no recursion needed.
      if let dir = opendir(Scratch.directory) {
        while let entry = readdir(dir) {
          let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
          if name != "." && name != ".." { unlink(Scratch.directory + "/" + name) }
        }
        closedir(dir)
      }
      rmdir(Scratch.directory)
    }
    return path
  }()

  /// Replaces the file `name` in the scratch directory with `bytes` and returns its path.
  @discardableResult
  public static func write(_ bytes: UnsafeRawBufferPointer, as name: String) -> String {
    let path = directory + "/" + name
    let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
    guard fd >= 0 else { fatalError("cannot create \(path): \(String(cString: strerror(errno)))") }
    defer { close(fd) }
    var offset = 0
    while offset < bytes.count {
      let n = Glibc.write(fd, bytes.baseAddress! + offset, bytes.count - offset)
      if n < 0 {
        if errno == EINTR { continue }
        fatalError("cannot write \(path): \(String(cString: strerror(errno)))")
      }
      offset += n
    }
    return path
  }

  /// Writes `bytes` to `name`.
  @discardableResult
  public static func write(_ bytes: [UInt8], as name: String) -> String {
    bytes.withUnsafeBytes { write($0, as: name) }
  }

  /// Removes `name` from the scratch directory, if it is there.
  public static func remove(_ name: String) {
    unlink(directory + "/" + name)
  }
}

/// Reports a broken invariant as a crash, so libFuzzer saves the input.
public func invariant(_ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String) {
  if !condition() { fatalError("invariant broken: " + message()) }
}

/// The error contract (CONTRACT.md §3): one printable line — no line break or other control character, whatever
/// names the input holds — that starts with the file's path.
public func checkErrorLine(_ error: any Error, naming path: String) {
  let line = "\(error)"
  invariant(line.hasPrefix(path), "error does not name the file: \(line)")
  invariant(!line.unicodeScalars.contains { $0.value < 0x20 || (0x7F..<0xA0).contains($0.value) },
            "error is not one printable line: \(line.debugDescription)")
}
