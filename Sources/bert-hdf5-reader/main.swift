import CHDF5
import CSandbox
import Checkpoint
import Glibc
import SafeTensors

// bert-hdf5-reader FILE — the only process that runs libhdf5 (docs/SECURITY.md, "libhdf5 runs contained").
//
// Started by the parent (Sources/Checkpoint/HDF5/HDF5Child.swift) with a Unix socket as stdin and stdout and
// /dev/null as stderr. It limits its own memory and CPU time, opens FILE, turns off libhdf5's plugin loading,
// installs a seccomp filter (Sources/CSandbox: read files, manage memory, write only to the socket, nothing
// else — no network, no exec, no new files), then answers requests (HDF5Wire.swift) until stdin closes.
// A crash, a limit or a forbidden system call ends only this process; the parent reports it as one line.

/// Address space for libhdf5 (its chunk caches, one block of rows, the runtime's mappings).
let memoryLimit: UInt64 = 3 << 30
/// CPU seconds for the whole file (bert-large reads in a few seconds).
let cpuLimit: UInt64 = 600

func writeAll(_ bytes: UnsafeRawBufferPointer) {
  var offset = 0
  while offset < bytes.count {
    let n = write(1, bytes.baseAddress! + offset, bytes.count - offset)
    if n < 0 && errno == EINTR { continue }
    if n <= 0 { exit(3) }  // the parent is gone
    offset += n
  }
}

func readExactly(_ count: Int) -> [UInt8]? {
  var bytes = [UInt8](repeating: 0, count: count)
  var offset = 0
  while offset < count {
    let n = bytes.withUnsafeMutableBytes { read(0, $0.baseAddress! + offset, count - offset) }
    if n < 0 && errno == EINTR { continue }
    if n <= 0 { return nil }
    offset += n
  }
  return bytes
}

func replyHeader(status: UInt8, length: Int) {
  var w = WireWriter()
  w.u8(status)
  w.u64(UInt64(length))
  w.bytes.withUnsafeBytes { writeAll($0) }
}

func reply(_ payload: [UInt8]) {
  replyHeader(status: 0, length: payload.count)
  payload.withUnsafeBytes { writeAll($0) }
}

func reply(_ error: CheckpointError) {
  let payload = HDF5WireError.encode(error)
  replyHeader(status: 1, length: payload.count)
  payload.withUnsafeBytes { writeAll($0) }
}

func protocolError(_ detail: String) -> CheckpointError {
  CheckpointError(.io, file: "", "bert-hdf5-reader: \(detail)")
}

/// Test hooks (debug builds only): what a hostile file exploiting libhdf5 would do, run after the filter.
func runTestFault() {
  #if DEBUG
  guard let fault = getenv("BERTWEIGHTS_HDF5_READER_TEST_FAULT").map({ String(cString: $0) }) else { return }
  switch fault {
  case "segv": csandbox_crash()
  case "sleep": while true { _ = sleep(1000) }
  case "spin": while true { _ = clock() }
  case "socket": _ = csandbox_try_socket()
  case "exec": _ = csandbox_try_exec()
  case "write": _ = csandbox_try_write_file("/tmp/bert-hdf5-reader-escaped")
  case "memory":
    // Asks for more than the address-space limit: malloc fails (a real libhdf5 would report an error).
    if malloc(Int(memoryLimit) + (1 << 30)) == nil { exit(4) }
  default: break
  }
  #endif
}

// MARK: - Start

let arguments = CommandLine.arguments
guard arguments.count == 2 else {
  let usage = "usage: bert-hdf5-reader FILE (started by bert-convert and bert-verify, not by hand)\n"
  _ = usage.utf8CString.withUnsafeBytes { write(2, $0.baseAddress, $0.count - 1) }
  exit(64)
}
let path = arguments[1]
guard csandbox_limit(memoryLimit, cpuLimit) == 0 else { exit(5) }
// Filter plugins are code loaded from HDF5_PLUGIN_PATH: never (the filter would refuse PROT_EXEC anyway).
_ = H5PLset_loading_state(0)
let file: HDF5File
do {
  file = try HDF5File(path: path)
} catch {
  reply(error)
  exit(0)
}
guard csandbox_restrict() == 0 else {
  reply(CheckpointError(.io, file: path, "cannot install the seccomp filter for libhdf5 (errno \(errno))"))
  exit(6)
}
var hello = WireWriter()
hello.u64(UInt64(file.byteCount))
reply(hello.bytes)
runTestFault()

// MARK: - Requests

final class Server {
let file: HDF5File
var datasets: [UInt32: HDF5Dataset] = [:]
var nextHandle: UInt32 = 1
/// One block of rows at a time goes back; the parent asks for blocks of at most this many bytes.
var block = UnsafeMutableRawBufferPointer.allocate(byteCount: 1, alignment: 64)

init(file: HDF5File) { self.file = file }

func handle(_ op: HDF5Op, _ r: inout WireReader) throws(CheckpointError) -> [UInt8]? {
  var w = WireWriter()
  switch op {
  case .objectKind:
    guard let objectPath = r.string(), r.atEnd else { throw protocolError("bad request") }
    switch try file.objectKind(at: objectPath) {
    case nil: w.u8(0)
    case .group: w.u8(1)
    case .dataset: w.u8(2)
    case .other: w.u8(3)
    }
  case .hasAttribute:
    guard let name = r.string(), let objectPath = r.string(), r.atEnd else { throw protocolError("bad request") }
    w.u8(try file.hasAttribute(name, on: objectPath) ? 1 : 0)
  case .strings:
    guard let name = r.string(), let objectPath = r.string(), r.atEnd else { throw protocolError("bad request") }
    let list = try file.strings(attribute: name, on: objectPath)
    w.u32(UInt32(list.count))
    for item in list { w.string(item) }
  case .openDataset:
    guard let datasetPath = r.string(), r.atEnd else { throw protocolError("bad request") }
    guard datasets.count < HDF5WireLimits.maxOpenDatasets else {
      throw CheckpointError(.limitExceeded, file: "", "more than \(HDF5WireLimits.maxOpenDatasets) datasets open at once")
    }
    let dataset = try HDF5Dataset(file: file, path: datasetPath)
    let handle = nextHandle
    nextHandle &+= 1
    datasets[handle] = dataset
    w.u32(handle)
    w.string(dataset.dtype.rawValue)
    w.u32(UInt32(dataset.shape.count))
    for dim in dataset.shape { w.u64(UInt64(dim)) }
  case .readRows:
    guard let handle = r.u32(), let first = r.u64(), let count = r.u64(), r.atEnd, let dataset = datasets[handle] else {
      throw protocolError("bad request")
    }
    let rows = dataset.shape.first ?? 1
    guard first <= UInt64(rows), count <= UInt64(rows) - first else { throw protocolError("rows outside the dataset") }
    let (bytes, overflow) = Int(count).multipliedReportingOverflow(by: dataset.rowBytes)
    guard !overflow, bytes <= HDF5WireLimits.maxMessage else { throw protocolError("block too large") }
    if block.count < bytes {
      block.deallocate()
      block = UnsafeMutableRawBufferPointer.allocate(byteCount: bytes, alignment: 64)
    }
    let destination = UnsafeMutableRawBufferPointer(rebasing: block[0..<bytes])
    if dataset.shape.isEmpty {
      try dataset.read(into: destination)
    } else {
      try dataset.read(rows: Int(first)..<Int(first + count), into: destination)
    }
    replyHeader(status: 0, length: bytes)
    writeAll(UnsafeRawBufferPointer(destination))
    return nil
  case .closeDataset:
    guard let handle = r.u32(), r.atEnd else { throw protocolError("bad request") }
    datasets[handle] = nil
  }
  return w.bytes
}

func run() {
while let header = readExactly(5) {
  var headerReader = WireReader(header)
  let opByte = headerReader.u8()!
  let length = Int(headerReader.u32()!)
  guard length <= HDF5WireLimits.maxMessage, let payload = readExactly(length) else { exit(7) }
  guard let op = HDF5Op(rawValue: opByte) else {
    reply(protocolError("unknown request \(opByte)"))
    continue
  }
  var payloadReader = WireReader(payload)
  do {
    if let answer = try handle(op, &payloadReader) { reply(answer) }
  } catch {
    reply(error)
  }
}
}
}

Server(file: file).run()
exit(0)
