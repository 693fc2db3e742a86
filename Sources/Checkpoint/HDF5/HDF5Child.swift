import Foundation
import SafeTensors

#if canImport(Glibc)
import Glibc
#endif

// libhdf5 never runs in this process. Each HDF5 file is opened by its own bert-hdf5-reader child (found next to
// the running executable), which limits its memory and CPU time, installs a seccomp filter and answers
// requests over a Unix socket (HDF5Wire.swift). Everything the child sends is checked again here: lengths
// before allocation, dtypes, shapes and byte counts against the request. A crash, a killed system call, a
// limit or a timeout of the child is one error line: "libhdf5 failed reading FILE: signal 11 (…)".
// docs/SECURITY.md, "libhdf5 runs contained".

/// What a path inside an HDF5 file names.
enum HDF5ObjectKind {
  case group, dataset, other
}

/// One bert-hdf5-reader process serving one file; killed and reaped when the last reference goes away.
final class HDF5Child: @unchecked Sendable {
  /// The environment variable naming the reader binary (default: `bert-hdf5-reader` beside the executable).
  static let readerVariable = "BERTWEIGHTS_HDF5_READER"
  /// The environment variable setting the per-request timeout in seconds (default 120).
  static let timeoutVariable = "BERTWEIGHTS_HDF5_TIMEOUT"
  static let defaultTimeout = 120.0
  /// The largest error or name reply accepted.
  static let maxReply = HDF5WireLimits.maxMessage

  let path: String
  private let pid: pid_t
  private let socket: Int32
  private let lock = NSLock()
  private let timeout: Double
  /// Set once the child has died or misbehaved: every later request fails the same way.
  private var failure: CheckpointError?
  /// The file's size as the child measured it.
  private(set) var fileSize = 0

  /// The reader binary: `$BERTWEIGHTS_HDF5_READER`, else `bert-hdf5-reader` in the running executable's directory.
  static func readerPath() -> String? {
    if let explicit = ProcessInfo.processInfo.environment[readerVariable], !explicit.isEmpty { return explicit }
    guard let executable = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") else { return nil }
    let directory = (executable as NSString).deletingLastPathComponent
    return directory + "/bert-hdf5-reader"
  }

  /// Starts a child for `path` and waits for it to open the file.
  /// - Throws: ``CheckpointError`` when the reader binary is missing, the child cannot start, or libhdf5 cannot
  ///   open the file (its reason, as before the split).
  init(path: String) throws(CheckpointError) {
    self.path = path
    let seconds = ProcessInfo.processInfo.environment[HDF5Child.timeoutVariable].flatMap(Double.init) ?? HDF5Child.defaultTimeout
    timeout = seconds > 0 && seconds.isFinite ? seconds : HDF5Child.defaultTimeout
    guard let reader = HDF5Child.readerPath(), access(reader, X_OK) == 0 else {
      throw CheckpointError(.io, file: path, "cannot read HDF5: the helper 'bert-hdf5-reader' is not installed beside this program"
                              + " (or set \(HDF5Child.readerVariable))")
    }
    var fds: [Int32] = [-1, -1]
    guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &fds) == 0 else {
      throw CheckpointError(.io, file: path, "cannot create a socket for the HDF5 reader: \(String(cString: strerror(errno)))")
    }
    var size: Int32 = 4 << 20
    for fd in fds {
      _ = setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, socklen_t(MemoryLayout<Int32>.size))
      _ = setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
    }
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_adddup2(&actions, fds[1], 0)
    posix_spawn_file_actions_adddup2(&actions, fds[1], 1)
    posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
    var attributes = posix_spawnattr_t()
    posix_spawnattr_init(&attributes)
    defer { posix_spawnattr_destroy(&attributes) }
    var noSignals = sigset_t()
    sigemptyset(&noSignals)
    var defaults = sigset_t()
    sigemptyset(&defaults)
    for signal in [SIGPIPE, SIGINT, SIGTERM, SIGXCPU, SIGSEGV, SIGBUS] { sigaddset(&defaults, signal) }
    posix_spawnattr_setsigmask(&attributes, &noSignals)
    posix_spawnattr_setsigdefault(&attributes, &defaults)
    posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

    var pid: pid_t = 0
    let argv: [UnsafeMutablePointer<CChar>?] = [strdup(reader), strdup(path), nil]
    defer { for arg in argv { free(arg) } }
    let status = posix_spawn(&pid, reader, &actions, &attributes, argv, environ)
    close(fds[1])
    guard status == 0 else {
      close(fds[0])
      throw CheckpointError(.io, file: path, "cannot start the HDF5 reader '\(reader)': \(String(cString: strerror(status)))")
    }
    self.pid = pid
    self.socket = fds[0]

    // The hello: the file opened (its size), or libhdf5's reason it could not be.
    let hello = try receiveSmall()
    var r = WireReader(hello)
    guard let bytes = r.u64(), r.atEnd, bytes <= UInt64(Int.max) else { throw fail("sent a malformed greeting") }
    fileSize = Int(bytes)
  }

  deinit {
    close(socket)
    kill(pid, SIGKILL)
    var status: Int32 = 0
    while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
  }

  // MARK: Requests

  /// Sends a request and returns its (small) reply's payload.
  func call(_ op: HDF5Op, _ payload: WireWriter) throws(CheckpointError) -> [UInt8] {
    lock.lock()
    defer { lock.unlock() }
    try send(op, payload.bytes)
    return try receiveSmall()
  }

  /// Sends a request whose reply is exactly `destination.count` bytes of data and reads them into `destination`.
  func call(_ op: HDF5Op, _ payload: WireWriter, into destination: UnsafeMutableRawBufferPointer) throws(CheckpointError) {
    lock.lock()
    defer { lock.unlock() }
    try send(op, payload.bytes)
    let (status, length) = try receiveHeader()
    if status != 0 { throw try receiveError(length: length) }
    guard length == UInt64(destination.count) else {
      throw fail("sent \(length) bytes where \(destination.count) were asked for")
    }
    try receive(into: destination)
  }

  private func send(_ op: HDF5Op, _ payload: [UInt8]) throws(CheckpointError) {
    if let failure { throw failure }
    var message = WireWriter()
    message.u8(op.rawValue)
    message.u32(UInt32(payload.count))
    message.bytes += payload
    var offset = 0
    while offset < message.bytes.count {
      let n = message.bytes.withUnsafeBytes { Glibc.send(socket, $0.baseAddress! + offset, $0.count - offset, Int32(MSG_NOSIGNAL)) }
      if n < 0 && errno == EINTR { continue }
      guard n > 0 else { throw died() }
      offset += n
    }
  }

  private func receiveHeader() throws(CheckpointError) -> (UInt8, UInt64) {
    var r = WireReader(try receiveArray(count: 9))
    return (r.u8()!, r.u64()!)
  }

  private func receiveSmall() throws(CheckpointError) -> [UInt8] {
    let (status, length) = try receiveHeader()
    if status != 0 { throw try receiveError(length: length) }
    guard length <= UInt64(HDF5Child.maxReply) else { throw fail("announced a \(length)-byte reply") }
    return try receiveArray(count: Int(length))
  }

  private func receiveError(length: UInt64) throws(CheckpointError) -> CheckpointError {
    guard length <= 1 << 20 else { throw fail("announced a \(length)-byte error") }
    let payload = try receiveArray(count: Int(length))
    guard let error = HDF5WireError.decode(payload, file: path) else { throw fail("sent a malformed error") }
    return error
  }

  private func receiveArray(count: Int) throws(CheckpointError) -> [UInt8] {
    let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(count, 1), alignment: 8)
    defer { buffer.deallocate() }
    let part = UnsafeMutableRawBufferPointer(rebasing: buffer[0..<count])
    try receive(into: part)
    return Array(part)
  }

  /// Fills `buffer` from the socket, waiting at most the timeout for each piece.
  private func receive(into buffer: UnsafeMutableRawBufferPointer) throws(CheckpointError) {
    var offset = 0
    while offset < buffer.count {
      var poller = pollfd(fd: socket, events: Int16(POLLIN), revents: 0)
      let ready = poll(&poller, 1, Int32(min(timeout * 1000, Double(Int32.max))))
      if ready < 0 && errno == EINTR { continue }
      if ready == 0 {
        kill(pid, SIGKILL)
        throw died(reason: "no answer within \(timeout.formatted()) s (\(HDF5Child.timeoutVariable))")
      }
      let n = recv(socket, buffer.baseAddress! + offset, buffer.count - offset, 0)
      if n < 0 && errno == EINTR { continue }
      guard n > 0 else { throw died() }
      offset += n
    }
  }

  /// The child broke the protocol: it is killed, and this and every later request fail.
  private func fail(_ detail: String) -> CheckpointError {
    kill(pid, SIGKILL)
    let error = CheckpointError(.io, file: path, "the HDF5 reader \(detail)")
    failure = error
    return error
  }

  /// The child is gone (or is killed now): how it ended, as one line.
  private func died(reason: String? = nil) -> CheckpointError {
    if let failure { return failure }
    kill(pid, SIGKILL)
    var status: Int32 = 0
    var how = reason ?? "it ended"
    if reason == nil, waitpid(pid, &status, 0) == pid {
      let signal = status & 0x7f
      if signal != 0 {
        let names: [Int32: String] = [
          SIGSEGV: "segmentation fault", SIGBUS: "bus error", SIGABRT: "aborted", SIGILL: "illegal instruction",
          SIGFPE: "arithmetic error", SIGSYS: "a forbidden system call, stopped by the sandbox",
          SIGXCPU: "CPU time limit", SIGKILL: "killed",
        ]
        how = "signal \(signal)" + (names[signal].map { " (\($0))" } ?? "")
      } else {
        how = "exit status \((status >> 8) & 0xff)"
      }
    }
    let error = CheckpointError(.malformed, file: path, "libhdf5 failed reading \(path): \(how)")
    failure = error
    return error
  }
}

// MARK: - The file and its datasets, as the Keras reader sees them

/// An HDF5 file opened read-only by its own sandboxed child; the child ends when the last reference (the file's
/// tensors hold one) goes away.
final class HDF5File: @unchecked Sendable {
  /// The path the file was opened from.
  let path: String
  let child: HDF5Child
  /// The file's size in bytes: no dataset can store more.
  var byteCount: Int { child.fileSize }

  /// Starts the child, which opens `path` read-only.
  /// - Throws: ``CheckpointError`` naming the file, with libhdf5's reason (signature not found, truncated …).
  init(path: String) throws(CheckpointError) {
    self.path = path
    child = try HDF5Child(path: path)
  }

  /// What `objectPath` names, or nil when no such link exists.
  func objectKind(at objectPath: String) throws(CheckpointError) -> HDF5ObjectKind? {
    var w = WireWriter()
    w.string(objectPath)
    let reply = try child.call(.objectKind, w)
    switch reply {
    case [0]: return nil
    case [1]: return .group
    case [2]: return .dataset
    case [3]: return .other
    default: throw CheckpointError(.io, file: path, "the HDF5 reader sent a malformed object kind")
    }
  }

  /// Whether the object at `objectPath` has an attribute called `name`.
  func hasAttribute(_ name: String, on objectPath: String) throws(CheckpointError) -> Bool {
    var w = WireWriter()
    w.string(name)
    w.string(objectPath)
    switch try child.call(.hasAttribute, w) {
    case [0]: return false
    case [1]: return true
    default: throw CheckpointError(.io, file: path, "the HDF5 reader sent a malformed answer")
    }
  }

  /// Attribute lists longer than this are refused (checked in the child, and again here).
  static let maxAttributeEntries = 1 << 20
  static let maxAttributeBytes = 256 << 20

  /// The attribute `name` of `objectPath` read as a list of strings (docs in bert-hdf5-reader's HDF5Library).
  func strings(attribute name: String, on objectPath: String) throws(CheckpointError) -> [String] {
    var w = WireWriter()
    w.string(name)
    w.string(objectPath)
    var r = WireReader(try child.call(.strings, w))
    let location = "attribute '\(name)' of '\(objectPath)'"
    guard let count = r.u32(), Int(count) <= HDF5File.maxAttributeEntries else {
      throw CheckpointError(.limitExceeded, file: path, at: location, "holds more than \(HDF5File.maxAttributeEntries) entries")
    }
    var strings: [String] = []
    var total = 0
    for index in 0..<Int(count) {
      guard let string = r.string() else {
        throw CheckpointError(.malformed, file: path, at: location, "entry \(index) is not UTF-8")
      }
      total += string.utf8.count
      guard total <= HDF5File.maxAttributeBytes else {
        throw CheckpointError(.limitExceeded, file: path, at: location, "is larger than \(HDF5File.maxAttributeBytes) bytes")
      }
      strings.append(string)
    }
    guard r.atEnd else { throw CheckpointError(.io, file: path, at: location, "the HDF5 reader sent trailing bytes") }
    return strings
  }
}

/// One dataset of an ``HDF5File``, open in the child for as long as this value lives. The child checks the type,
/// dataspace and storage on opening (bert-hdf5-reader's HDF5Library.swift); the dtype, shape and byte count
/// are checked again here.
final class HDF5Dataset {
  /// The largest tensor read, in bytes.
  static let maxByteCount = 1 << 36
  /// Bytes asked of the child per request.
  static let requestBytes = 16 << 20

  let file: HDF5File
  let path: String
  let dtype: DType
  let shape: [Int]
  let elementCount: Int
  let byteCount: Int
  private let handle: UInt32

  init(file: HDF5File, path: String) throws(CheckpointError) {
    self.file = file
    self.path = path
    var w = WireWriter()
    w.string(path)
    var r = WireReader(try file.child.call(.openDataset, w))
    let location = "dataset '\(path)'"
    func bad(_ detail: String) -> CheckpointError {
      CheckpointError(.io, file: file.path, at: location, "the HDF5 reader sent \(detail)")
    }
    guard let handle = r.u32(), let name = r.string(), let rank = r.u32(), rank <= 32 else { throw bad("a malformed dataset") }
    guard let dtype = DType(rawValue: name), [.f16, .bf16, .f32, .f64, .i8, .i16, .i32, .i64, .u8, .u16, .u32, .u64].contains(dtype)
    else { throw bad("an unknown dtype") }
    var shape: [Int] = []
    var elements = 1
    for _ in 0..<rank {
      guard let dim = r.u64(), dim <= UInt64(Int.max) else { throw bad("a malformed shape") }
      let (product, overflow) = elements.multipliedReportingOverflow(by: Int(dim))
      guard !overflow else { throw bad("a shape whose size overflows") }
      elements = product
      shape.append(Int(dim))
    }
    guard r.atEnd else { throw bad("trailing bytes") }
    let (bytes, overflow) = elements.multipliedReportingOverflow(by: dtype.byteWidth)
    guard !overflow, bytes <= HDF5Dataset.maxByteCount else {
      throw CheckpointError(.limitExceeded, file: file.path, at: location,
                            "shape \(shape) of \(dtype.rawValue) is larger than \(HDF5Dataset.maxByteCount) bytes")
    }
    self.handle = handle
    self.dtype = dtype
    self.shape = shape
    self.elementCount = elements
    self.byteCount = bytes
  }

  deinit {
    var w = WireWriter()
    w.u32(handle)
    _ = try? file.child.call(.closeDataset, w)
  }

  private var rowBytes: Int { shape.isEmpty ? byteCount : (shape[0] == 0 ? 0 : byteCount / shape[0]) }

  /// Reads the whole dataset, little-endian and row-major, into `buffer` (exactly ``byteCount`` bytes), a
  /// bounded block of rows per request.
  func read(into buffer: UnsafeMutableRawBufferPointer) throws(CheckpointError) {
    precondition(buffer.count == byteCount, "buffer size does not match the dataset")
    guard elementCount > 0 else { return }
    if shape.isEmpty { return try request(first: 0, count: 1, into: buffer) }
    try read(rows: 0..<shape[0], into: buffer)
  }

  /// Reads rows `rows` (indices of the first dimension) into `buffer` (exactly `rows.count` rows).
  func read(rows: Range<Int>, into buffer: UnsafeMutableRawBufferPointer) throws(CheckpointError) {
    precondition(!shape.isEmpty && rows.lowerBound >= 0 && rows.upperBound <= shape[0], "rows outside the dataset")
    precondition(buffer.count == rows.count * rowBytes, "buffer size does not match the rows")
    guard buffer.count > 0 else { return }
    let perRequest = max(1, HDF5Dataset.requestBytes / rowBytes)
    var first = rows.lowerBound
    while first < rows.upperBound {
      let count = min(perRequest, rows.upperBound - first)
      let offset = (first - rows.lowerBound) * rowBytes
      try request(first: first, count: count,
                  into: UnsafeMutableRawBufferPointer(rebasing: buffer[offset..<(offset + count * rowBytes)]))
      first += count
    }
  }

  private func request(first: Int, count: Int, into destination: UnsafeMutableRawBufferPointer) throws(CheckpointError) {
    var w = WireWriter()
    w.u32(handle)
    w.u64(UInt64(first))
    w.u64(UInt64(count))
    try file.child.call(.readRows, w, into: destination)
  }
}
