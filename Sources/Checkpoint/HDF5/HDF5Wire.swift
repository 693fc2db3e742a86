import SafeTensors

// The protocol between the parent (HDF5Child.swift) and bert-hdf5-reader, the sandboxed child that runs
// libhdf5 (docs/SECURITY.md). One request, one reply, over a Unix stream socket.
//
//   request: op (1 byte), payload length (u32 LE), payload
//   reply:   status (1 byte: 0 ok, 1 error), payload length (u64 LE), payload
//
// Payload fields: u8, u32 and u64 little-endian, and strings as a u32 length then UTF-8 bytes. The child
// answers once at start (the "hello": the file opened, or why not), then once per request. Every length read
// from the other side is checked against what the request can produce before anything is allocated.

/// Request operations.
package enum HDF5Op: UInt8 {
  /// (path) → u8 kind: 0 absent, 1 group, 2 dataset, 3 other.
  case objectKind = 1
  /// (attribute name, object path) → u8 0/1.
  case hasAttribute = 2
  /// (attribute name, object path) → u32 count, then count strings.
  case strings = 3
  /// (dataset path) → u32 handle, dtype name, u32 rank, rank × u64 dimensions.
  case openDataset = 4
  /// (u32 handle, u64 first row, u64 row count) → the rows' bytes, little-endian, row-major (rank 0: the value).
  case readRows = 5
  /// (u32 handle) → nothing.
  case closeDataset = 6
}

/// Limits both sides enforce.
package enum HDF5WireLimits {
  /// Largest request or non-data reply (names, attribute lists, errors).
  package static let maxMessage = 300 << 20
  /// Datasets a child keeps open at once.
  package static let maxOpenDatasets = 256
}

/// Builds a payload.
package struct WireWriter {
  package var bytes: [UInt8] = []
  package init() {}
  package mutating func u8(_ v: UInt8) { bytes.append(v) }
  package mutating func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { bytes += $0 } }
  package mutating func u64(_ v: UInt64) { withUnsafeBytes(of: v.littleEndian) { bytes += $0 } }
  package mutating func string(_ s: String) { u32(UInt32(truncatingIfNeeded: s.utf8.count)); bytes += s.utf8 }
}

/// Reads a payload, bounds-checked: every read past the end, and every string that is not UTF-8, is nil.
package struct WireReader {
  package let bytes: [UInt8]
  package var position = 0
  package init(_ bytes: [UInt8]) { self.bytes = bytes }
  package var atEnd: Bool { position == bytes.count }

  package mutating func take(_ count: Int) -> ArraySlice<UInt8>? {
    guard count >= 0, count <= bytes.count - position else { return nil }
    defer { position += count }
    return bytes[position..<(position + count)]
  }
  package mutating func u8() -> UInt8? { take(1)?.first }
  package mutating func u32() -> UInt32? {
    take(4).map { $0.reversed().reduce(UInt32(0)) { $0 << 8 | UInt32($1) } }
  }
  package mutating func u64() -> UInt64? {
    take(8).map { $0.reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) } }
  }
  package mutating func string() -> String? {
    guard let count = u32(), let raw = take(Int(count)) else { return nil }
    return String(validating: raw, as: UTF8.self)
  }
}

/// An error as the child sends it: a ``CheckpointError`` without the file (the parent knows it).
package enum HDF5WireError {
  package static func encode(_ error: CheckpointError) -> [UInt8] {
    var w = WireWriter()
    w.string(error.code.rawValue)
    w.string(error.location ?? "")
    w.string(String(error.detail.utf8.prefix(64 << 10)) ?? "")
    return w.bytes
  }

  package static func decode(_ bytes: [UInt8], file: String) -> CheckpointError? {
    var r = WireReader(bytes)
    guard let raw = r.string(), let location = r.string(), let detail = r.string(), r.atEnd,
          let code = CheckpointError.Code(rawValue: raw)
    else { return nil }
    return CheckpointError(code, file: file, at: location.isEmpty ? nil : location, detail)
  }
}

/// A dataset's description as the child reports it.
package struct HDF5WireDataset {
  package var handle: UInt32
  package var dtype: DType
  package var shape: [Int]
}
