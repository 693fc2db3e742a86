import CSafeOutput
import CLinux
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The one place this module calls POSIX: each wrapper checks the return code and throws an error naming the file.
enum Syscalls {
  static func failure(_ call: String, _ path: String) -> SafeTensorsError {
    SafeTensorsError(.io, file: path, "\(call) failed: \(String(cString: strerror(errno)))")
  }

  /// open(2), retrying on EINTR.
  static func open(_ path: String, _ flags: Int32, _ mode: mode_t = 0) throws(SafeTensorsError) -> Int32 {
    while true {
      let fd = path.withCString { Glibc.open($0, flags | O_CLOEXEC, mode) }
      if fd >= 0 { return fd }
      if errno != EINTR { throw failure("open", path) }
    }
  }

  /// open(2) read-only and non-blocking: opening a FIFO would otherwise wait forever for a writer (the caller
  /// refuses anything but a regular file, for which O_NONBLOCK changes nothing).
  static func openForReading(_ path: String) throws(SafeTensorsError) -> Int32 { try open(path, O_RDONLY | O_NONBLOCK) }

  /// close(2); errors are ignored (the descriptor is gone either way).
  static func close(_ fd: Int32) { _ = Glibc.close(fd) }

  /// fstat(2)'s size of a regular file; anything else is refused.
  static func regularFileSize(_ fd: Int32, _ path: String) throws(SafeTensorsError) -> Int {
    var info = stat()
    guard fstat(fd, &info) == 0 else { throw failure("fstat", path) }
    guard (info.st_mode & S_IFMT) == S_IFREG else { throw SafeTensorsError(.io, file: path, "not a regular file") }
    return Int(info.st_size)
  }

  /// mmap(2) of a whole file, read-only and private.
  static func mapReadOnly(_ fd: Int32, length: Int, _ path: String) throws(SafeTensorsError) -> UnsafeRawPointer {
    guard let base = mmap(nil, length, PROT_READ, MAP_PRIVATE, fd, 0), base != MAP_FAILED else {
      throw failure("mmap", path)
    }
    return UnsafeRawPointer(base)
  }

  /// madvise(2) with MADV_DONTNEED over the whole pages that hold `length` bytes at `base`, which must lie in a
  /// read-only file mapping: the pages leave this process's resident set but stay in the page cache, and a later
  /// access maps them again with the same bytes. Advisory, so a failure is ignored.
  static func dropResidentPages(_ base: UnsafeRawPointer, length: Int) {
    let page = Int(sysconf(Int32(_SC_PAGESIZE)))
    let start = Int(bitPattern: base) & ~(page - 1)
    let end = (Int(bitPattern: base) + length + page - 1) & ~(page - 1)
    _ = madvise(UnsafeMutableRawPointer(bitPattern: start), end - start, MADV_DONTNEED)
  }

  /// munmap(2).
  static func unmap(_ base: UnsafeRawPointer, length: Int) {
    _ = munmap(UnsafeMutableRawPointer(mutating: base), length)
  }

  /// write(2) until every byte is written, retrying on EINTR and short writes.
  static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, _ path: String) throws(SafeTensorsError) {
    var offset = 0
    while offset < bytes.count {
      let n = Glibc.write(fd, bytes.baseAddress! + offset, bytes.count - offset)
      if n < 0 {
        if errno == EINTR { continue }
        throw failure("write", path)
      }
      offset += n
    }
  }

  /// write(2) of a whole array.
  static func writeAll(_ fd: Int32, _ bytes: [UInt8], _ path: String) throws(SafeTensorsError) {
    var result: SafeTensorsError?
    bytes.withUnsafeBytes { buffer in
      do throws(SafeTensorsError) { try writeAll(fd, buffer, path) } catch { result = error }
    }
    if let result { throw result }
  }

  /// fsync(2).
  static func fsync(_ fd: Int32, _ path: String) throws(SafeTensorsError) {
    guard Glibc.fsync(fd) == 0 else { throw failure("fsync", path) }
  }

  /// fsync(2) of a directory, so a rename inside it is durable. Best effort.
  static func fsyncDirectory(_ path: String) {
    guard let fd = try? open(path, O_RDONLY | O_DIRECTORY) else { return }
    _ = Glibc.fsync(fd)
    close(fd)
  }

  /// rename(2).
  static func rename(_ from: String, _ to: String) throws(SafeTensorsError) {
    guard Glibc.rename(from, to) == 0 else { throw failure("rename to '\(to)'", from) }
  }

  /// rename(2) that never replaces: renameat2 with RENAME_NOREPLACE, or where the filesystem cannot do that, link(2)
  /// then unlink(2) for a file, and for a directory rename(2) after checking that nothing is at `to` (rename(2)
  /// cannot replace a non-empty directory or put a directory over a file, so only an empty directory could be
  /// replaced in between). Throws with EEXIST's text when something is at `to`.
  static func renameNoReplace(_ from: String, _ to: String) throws(SafeTensorsError) {
    if csafeoutput_rename_noreplace(from, to) == 0 { return }
    guard errno == EINVAL || errno == ENOSYS || errno == ENOTSUP else { throw failure("rename to '\(to)'", from) }
    var info = stat()
    guard Glibc.lstat(from, &info) == 0 else { throw failure("lstat", from) }
    if (info.st_mode & S_IFMT) == S_IFDIR {
      var existing = stat()
      guard Glibc.lstat(to, &existing) != 0 else {
        errno = EEXIST
        throw failure("rename to '\(to)'", from)
      }
      try rename(from, to)
    } else {
      guard Glibc.link(from, to) == 0 else { throw failure("link to '\(to)'", from) }
      unlink(from)
    }
  }

  /// link(2).
  static func link(_ from: String, _ to: String) throws(SafeTensorsError) {
    guard Glibc.link(from, to) == 0 else { throw failure("link to '\(to)'", from) }
  }

  /// What is at a path, without following a final symlink (lstat(2)), or nil when nothing is.
  static func kind(_ path: String) -> mode_t? {
    var info = stat()
    guard Glibc.lstat(path, &info) == 0 else { return nil }
    return info.st_mode & S_IFMT
  }

  /// stat(2)'s device and inode, following symlinks; nil when the path does not resolve.
  static func identity(_ path: String) -> (device: UInt64, inode: UInt64)? {
    var info = stat()
    guard stat(path, &info) == 0 else { return nil }
    return (UInt64(info.st_dev), UInt64(info.st_ino))
  }

  /// fstat(2)'s device and inode.
  static func identity(fd: Int32) -> (device: UInt64, inode: UInt64)? {
    var info = stat()
    guard fstat(fd, &info) == 0 else { return nil }
    return (UInt64(info.st_dev), UInt64(info.st_ino))
  }

  /// mkdir(2) with mode 0755; EEXIST is returned as false, other errors thrown.
  static func makeDirectory(_ path: String) throws(SafeTensorsError) -> Bool {
    if Glibc.mkdir(path, 0o755) == 0 { return true }
    if errno == EEXIST { return false }
    throw failure("mkdir", path)
  }

  /// rmdir(2); errors are ignored (the caller removes only what it made, and only when empty).
  static func removeDirectory(_ path: String) { _ = Glibc.rmdir(path) }

  /// mkdtemp(3) with the given prefix path (six random characters are appended).
  static func makeTemporaryDirectory(prefix: String) throws(SafeTensorsError) -> String {
    var template = Array((prefix + "XXXXXX").utf8CString)
    let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
    guard made != nil else { throw failure("mkdtemp", prefix + "XXXXXX") }
    return String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
  }

  /// The names in a directory (not `.` or `..`), or [] when it cannot be read.
  static func directoryEntries(_ path: String) -> [String] {
    guard let dir = opendir(path) else { return [] }
    defer { closedir(dir) }
    var names: [String] = []
    while let entry = readdir(dir) {
      let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
        String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
      }
      if name != "." && name != ".." { names.append(name) }
    }
    return names
  }

  /// True when no process has this id (kill(2) with signal 0 fails with ESRCH).
  static func processIsGone(_ pid: Int32) -> Bool {
    pid > 0 && Glibc.kill(pid, 0) != 0 && errno == ESRCH
  }

  /// This process's id.
  static var processID: Int32 { getpid() }

  /// pread(2) until `buffer` is full or the file ends; returns the bytes read.
  static func readFully(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer, at offset: Int, _ path: String) throws(SafeTensorsError) -> Int {
    var done = 0
    while done < buffer.count {
      let n = Glibc.pread(fd, buffer.baseAddress! + done, buffer.count - done, off_t(offset + done))
      if n < 0 {
        if errno == EINTR { continue }
        throw failure("pread", path)
      }
      if n == 0 { break }
      done += n
    }
    return done
  }

  /// copy_file_range(2) of up to `count` bytes from `input` at `offset` to `output` at its file position, retrying
  /// on EINTR. Returns the bytes copied (0 at the input's end), or nil when the kernel cannot copy between these
  /// files (EXDEV, EINVAL, ENOSYS, EOPNOTSUPP: the caller falls back to read and write).
  static func copyFileRange(from input: Int32, offset: Int, to output: Int32, count: Int, _ path: String) throws(SafeTensorsError) -> Int? {
    var position = Int64(offset)
    while true {
      let n = clinux_copy_file_range(input, &position, output, count)
      if n >= 0 { return n }
      switch errno {
      case EINTR: continue
      case EXDEV, EINVAL, ENOSYS, EOPNOTSUPP: return nil
      default: throw failure("copy_file_range", path)
      }
    }
  }

  /// Starts writeback of `count` bytes at `offset` (sync_file_range(2), SYNC_FILE_RANGE_WRITE) without waiting;
  /// best effort, so a later fsync has less to wait for.
  static func startWriteback(_ fd: Int32, offset: Int, count: Int) {
    _ = clinux_start_writeback(fd, Int64(offset), Int64(count))
  }

  /// pread(2) of up to `buffer.count` bytes at `offset`, retrying on EINTR; returns the bytes read (0 at the end).
  static func pread(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer, offset: Int, _ path: String) throws(SafeTensorsError) -> Int {
    while true {
      let n = Glibc.pread(fd, buffer.baseAddress, buffer.count, off_t(offset))
      if n >= 0 { return n }
      if errno != EINTR { throw failure("pread", path) }
    }
  }

  /// unlink(2); a missing file is not an error.
  static func unlink(_ path: String) { _ = Glibc.unlink(path) }

  /// mkstemp(3) with the given prefix path (six random characters and the suffix are appended).
  static func makeTemporaryFile(prefix: String) throws(SafeTensorsError) -> (fd: Int32, path: String) {
    var template = Array((prefix + "XXXXXX").utf8CString)
    let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
    guard fd >= 0 else { throw failure("mkstemp", prefix + "XXXXXX") }
    _ = fchmod(fd, 0o644)
    return (fd, String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self))
  }
}
