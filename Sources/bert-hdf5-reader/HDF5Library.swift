import CHDF5
import Checkpoint
import Glibc
import SafeTensors

// The one file that calls libhdf5, inside bert-hdf5-reader: a single-threaded child process under a seccomp
// filter (main.swift, docs/SECURITY.md). Every return code is checked, and every identifier is closed by a
// `defer` or by the deinit of the type that owns it. Errors are ``CheckpointError``s sent back to the parent.

/// The translation of libhdf5's error stack into ``CheckpointError``.
enum HDF5Library {
  /// Turns off libhdf5's printing of its error stack to stderr (`H5Eset_auto2(H5E_DEFAULT, NULL, NULL)`).
  /// The child is single-threaded, so no lock is needed.
  static func enter() {
    _ = H5Eset_auto2(chdf5_e_default(), nil, nil)
  }

  static func leave() {}

  /// The calling thread's error stack as one line, most specific entry first, then cleared
  /// (`H5Ewalk2`, `H5Eclear2`). Call with the lock held, right after the failing call.
  static func takeErrorStack() -> String? {
    final class Collected { var lines: [String] = [] }
    let collected = Collected()
    _ = H5Ewalk2(chdf5_e_default(), H5E_WALK_UPWARD, { _, entry, context in
      guard let entry, let context, let description = entry.pointee.desc else { return 0 }
      let line = String(cString: description)
      let box = Unmanaged<Collected>.fromOpaque(context).takeUnretainedValue()
      if !line.isEmpty && !box.lines.contains(line) { box.lines.append(line) }
      return 0
    }, Unmanaged.passUnretained(collected).toOpaque())
    _ = H5Eclear2(chdf5_e_default())
    guard let first = collected.lines.first else { return nil }
    // The innermost entry says what is wrong; the outermost, which operation failed.
    return collected.lines.count > 1 ? "\(first) (\(collected.lines.last!))" : first
  }
}

/// What a path inside an HDF5 file names.
enum HDF5ObjectKind {
  case group, dataset, other
}

/// An HDF5 file opened read-only; closed when the last reference (the file's tensors hold one) goes away.
///
/// External links are refused (they would open other files), and datasets are opened with a chunk cache
/// large enough that reading a chunked dataset in row blocks decompresses each chunk once.
final class HDF5File: @unchecked Sendable {
  /// The path the file was opened from.
  let path: String
  fileprivate let id: hid_t
  /// Link- and dataset-access property list used for every lookup and dataset open.
  fileprivate let access: hid_t
  /// The file's size in bytes: no dataset can store more.
  let byteCount: Int

  /// The external link most recently refused, recorded by the link-traversal callback for the error message.
  private final class RefusedLink { var target: String? }
  private let refusedLink = RefusedLink()

  /// Chunk cache per open dataset (`H5Pset_chunk_cache`): 64 MiB, 12421 slots (a prime, as libhdf5 advises).
  private static let chunkCacheBytes = 64 << 20
  private static let chunkCacheSlots = 12421

  /// Opens `path` read-only (`H5Pcreate`, `H5Pset_file_locking`, `H5Fopen`, `H5Fget_filesize`). File locking is used where the
  /// file system supports it and skipped where it does not (network file systems).
  /// - Throws: ``CheckpointError`` naming the file, with libhdf5's reason (signature not found, truncated …).
  init(path: String) throws(CheckpointError) {
    self.path = path
    HDF5Library.enter()
    defer { HDF5Library.leave() }
    let fileAccess = H5Pcreate(chdf5_p_file_access())
    guard fileAccess >= 0, H5Pset_file_locking(fileAccess, true, true) >= 0 else {
      let reason = HDF5File.reason()
      if fileAccess >= 0 { _ = H5Pclose(fileAccess) }
      throw CheckpointError(.io, file: path, "cannot set up file access" + reason)
    }
    let file = H5Fopen(path, chdf5_f_acc_rdonly(), fileAccess)
    _ = H5Pclose(fileAccess)
    guard file >= 0 else {
      throw CheckpointError(.malformed, file: path, "cannot open as HDF5" + HDF5File.reason())
    }
    var size: hsize_t = 0
    guard H5Fget_filesize(file, &size) >= 0, size <= UInt64(Int.max) else {
      let reason = HDF5File.reason()
      _ = H5Fclose(file)
      throw CheckpointError(.io, file: path, "cannot read the file's size" + reason)
    }
    let access = H5Pcreate(chdf5_p_dataset_access())
    let refused = Unmanaged.passUnretained(refusedLink).toOpaque()
    guard access >= 0,
          H5Pset_elink_cb(access, { _, _, file, object, _, _, context in
            guard let context else { return -1 }
            let target = (file.map { String(cString: $0) } ?? "?") + ":" + (object.map { String(cString: $0) } ?? "?")
            Unmanaged<RefusedLink>.fromOpaque(context).takeUnretainedValue().target = target
            return -1
          }, refused) >= 0,
          H5Pset_chunk_cache(access, HDF5File.chunkCacheSlots, HDF5File.chunkCacheBytes, 1.0) >= 0
    else {
      let reason = HDF5File.reason()
      if access >= 0 { _ = H5Pclose(access) }
      _ = H5Fclose(file)
      throw CheckpointError(.io, file: path, "cannot set up dataset access" + reason)
    }
    self.id = file
    self.access = access
    self.byteCount = Int(size)
  }

  deinit {
    HDF5Library.enter()
    defer { HDF5Library.leave() }
    _ = H5Pclose(access)
    _ = H5Fclose(id)
  }

  /// ": <libhdf5's reason>", or nothing when its error stack is empty.
  fileprivate static func reason() -> String {
    HDF5Library.takeErrorStack().map { ": " + $0 } ?? ""
  }

  fileprivate func failure(_ code: CheckpointError.Code = .malformed, at location: String, _ detail: String) -> CheckpointError {
    let reason = HDF5File.reason()
    if let target = refusedLink.target {
      refusedLink.target = nil
      return CheckpointError(.unsupported, file: path, at: location,
                             detail + ": it is an external link to '\(target)', and links to other files are never followed")
    }
    return CheckpointError(code, file: path, at: location, detail + reason)
  }

  /// What `objectPath` names, or nil when no such link exists (`H5Lexists` on each prefix, `H5Oopen`,
  /// `H5Iget_type`).
  func objectKind(at objectPath: String) throws(CheckpointError) -> HDF5ObjectKind? {
    HDF5Library.enter()
    defer { HDF5Library.leave() }
    let components = objectPath.split(separator: "/")
    guard !components.isEmpty else { return .group }
    var prefix = objectPath.hasPrefix("/") ? "/" : ""
    for (index, component) in components.enumerated() {
      prefix += (index == 0 ? "" : "/") + component
      let exists = H5Lexists(id, prefix, access)
      guard exists >= 0 else { throw failure(at: "'\(objectPath)'", "cannot look up '\(prefix)'") }
      if exists == 0 { return nil }
    }
    let object = H5Oopen(id, objectPath, access)
    guard object >= 0 else { throw failure(at: "'\(objectPath)'", "cannot open the object") }
    defer { _ = H5Oclose(object) }
    switch H5Iget_type(object) {
    case H5I_GROUP: return .group
    case H5I_DATASET: return .dataset
    default: return .other
    }
  }

  /// Whether the object at `objectPath` has an attribute called `name` (`H5Aexists`).
  func hasAttribute(_ name: String, on objectPath: String) throws(CheckpointError) -> Bool {
    HDF5Library.enter()
    defer { HDF5Library.leave() }
    let object = H5Oopen(id, objectPath, access)
    guard object >= 0 else { throw failure(at: "'\(objectPath)'", "cannot open the object") }
    defer { _ = H5Oclose(object) }
    let exists = H5Aexists(object, name)
    guard exists >= 0 else { throw failure(at: "attribute '\(name)' of '\(objectPath)'", "cannot look up the attribute") }
    return exists > 0
  }

  /// Attribute lists longer than this are refused before anything is allocated.
  static let maxAttributeEntries = 1 << 20
  static let maxAttributeBytes = 256 << 20

  /// The attribute `name` of `objectPath` read as a list of strings: a scalar or one-dimensional attribute of
  /// variable- or fixed-length strings. An empty attribute of any type (Keras writes `weight_names` of a
  /// layer without weights as an empty float array) is the empty list. (`H5Aopen`, `H5Aread`.)
  /// - Throws: ``CheckpointError`` naming the attribute when it holds something else or cannot be read.
  func strings(attribute name: String, on objectPath: String) throws(CheckpointError) -> [String] {
    HDF5Library.enter()
    defer { HDF5Library.leave() }
    let location = "attribute '\(name)' of '\(objectPath)'"
    let object = H5Oopen(id, objectPath, access)
    guard object >= 0 else { throw failure(at: "'\(objectPath)'", "cannot open the object") }
    defer { _ = H5Oclose(object) }
    let attribute = H5Aopen(object, name, chdf5_p_default())
    guard attribute >= 0 else { throw failure(at: location, "cannot open the attribute") }
    defer { _ = H5Aclose(attribute) }
    let space = H5Aget_space(attribute)
    guard space >= 0 else { throw failure(at: location, "cannot read the attribute's dataspace") }
    defer { _ = H5Sclose(space) }
    let rank = H5Sget_simple_extent_ndims(space)
    let points = H5Sget_simple_extent_npoints(space)
    guard rank >= 0, points >= 0 else { throw failure(at: location, "cannot read the attribute's dataspace") }
    guard rank <= 1 else { throw failure(at: location, "has rank \(rank); expected a list of names") }
    let count = Int(points)
    if count == 0 { return [] }
    guard count <= HDF5File.maxAttributeEntries else {
      throw failure(.limitExceeded, at: location, "holds \(count) entries, more than \(HDF5File.maxAttributeEntries)")
    }
    let type = H5Aget_type(attribute)
    guard type >= 0 else { throw failure(at: location, "cannot read the attribute's type") }
    defer { _ = H5Tclose(type) }
    guard H5Tget_class(type) == H5T_STRING else { throw failure(at: location, "is not a list of strings") }
    let variable = H5Tis_variable_str(type)
    guard variable >= 0 else { throw failure(at: location, "cannot read the attribute's string type") }

    var raw: [[UInt8]] = []
    raw.reserveCapacity(count)
    if variable > 0 {
      let memoryType = H5Tcopy(chdf5_t_c_s1())
      guard memoryType >= 0 else { throw failure(.io, at: location, "cannot make a string type") }
      defer { _ = H5Tclose(memoryType) }
      guard H5Tset_size(memoryType, chdf5_t_variable()) >= 0, H5Tset_cset(memoryType, H5Tget_cset(type)) >= 0 else {
        throw failure(.io, at: location, "cannot make a string type")
      }
      var pointers = [UnsafeMutablePointer<CChar>?](repeating: nil, count: count)
      let status = pointers.withUnsafeMutableBytes { H5Aread(attribute, memoryType, $0.baseAddress) }
      defer { for pointer in pointers where pointer != nil { _ = H5free_memory(pointer) } }
      guard status >= 0 else { throw failure(at: location, "cannot read the attribute") }
      var total = 0
      for pointer in pointers {
        let bytes = pointer.map { Array(UnsafeRawBufferPointer(start: $0, count: strlen($0))) } ?? []
        total += bytes.count
        guard total <= HDF5File.maxAttributeBytes else {
          throw failure(.limitExceeded, at: location, "is larger than \(HDF5File.maxAttributeBytes) bytes")
        }
        raw.append(bytes)
      }
    } else {
      let width = H5Tget_size(type)
      guard width > 0 else { throw failure(at: location, "cannot read the attribute's string size") }
      let (total, overflow) = width.multipliedReportingOverflow(by: count)
      guard !overflow, total <= HDF5File.maxAttributeBytes else {
        throw failure(.limitExceeded, at: location, "is larger than \(HDF5File.maxAttributeBytes) bytes")
      }
      var buffer = [UInt8](repeating: 0, count: total)
      let status = buffer.withUnsafeMutableBytes { H5Aread(attribute, type, $0.baseAddress) }
      guard status >= 0 else { throw failure(at: location, "cannot read the attribute") }
      let spacePadded = H5Tget_strpad(type) == H5T_STR_SPACEPAD
      for start in stride(from: 0, to: total, by: width) {
        var slot = buffer[start..<(start + width)]
        if let nul = slot.firstIndex(of: 0) { slot = slot[..<nul] }
        if spacePadded { while slot.last == UInt8(ascii: " ") { slot = slot.dropLast() } }
        raw.append(Array(slot))
      }
    }
    var strings: [String] = []
    strings.reserveCapacity(count)
    for (index, bytes) in raw.enumerated() {
      let string = String(decoding: bytes, as: UTF8.self)
      guard string.utf8.elementsEqual(bytes) else {
        throw CheckpointError(.malformed, file: path, at: location, "entry \(index) is not UTF-8")
      }
      strings.append(string)
    }
    return strings
  }
}

/// One dataset of an ``HDF5File``, open for as long as this value lives; checked on opening to hold a
/// supported numeric type, a simple dataspace of plausible size, and its data inside the file.
final class HDF5Dataset {
  /// The largest tensor read, in bytes; larger datasets are refused before anything is allocated.
  static let maxByteCount = 1 << 36
  /// How many times its stored (compressed) size a chunked dataset may be: deflate expands at most 1032:1.
  static let maxExpansion = 1100

  let file: HDF5File
  /// The dataset's path inside the file.
  let path: String
  /// The element type, as stored (the bytes read are always little-endian).
  let dtype: DType
  /// The shape as stored (row-major).
  let shape: [Int]
  /// The number of elements and bytes, computed with overflow checks.
  let elementCount: Int
  let byteCount: Int

  private let id: hid_t
  /// The stored type with little-endian byte order: what the bytes are read as.
  private let memoryType: hid_t

  private var location: String { "dataset '\(path)'" }

  /// Opens the dataset at `path` (`H5Dopen2`) and checks its type (`H5Dget_type`, `H5Tget_*`), dataspace
  /// (`H5Dget_space`, `H5Sget_simple_extent_*`) and storage (`H5Dget_create_plist`, `H5Pget_layout`,
  /// `H5Pget_external_count`, `H5Dget_storage_size`).
  /// - Throws: ``CheckpointError`` naming the file and dataset path when the dataset is absent, holds an
  ///   unsupported type (strings, compounds, enums such as h5py's booleans, non-IEEE floats), is larger than
  ///   ``maxByteCount``, keeps its data outside the file, claims more stored bytes than the file has, or stores
  ///   fewer bytes than its shape needs (for chunked data: fewer than 1/``maxExpansion`` of them).
  init(file: HDF5File, path: String) throws(CheckpointError) {
    self.file = file
    self.path = path
    let location = "dataset '\(path)'"
    HDF5Library.enter()
    defer { HDF5Library.leave() }

    let id = H5Dopen2(file.id, path, file.access)
    guard id >= 0 else { throw file.failure(at: location, "cannot open the dataset") }
    var memoryType: hid_t = -1
    var opened = false
    defer {
      if !opened {
        if memoryType >= 0 { _ = H5Tclose(memoryType) }
        _ = H5Dclose(id)
      }
    }

    // Type.
    let type = H5Dget_type(id)
    guard type >= 0 else { throw file.failure(at: location, "cannot read the dataset's type") }
    defer { _ = H5Tclose(type) }
    let dtype = try HDF5Dataset.dtype(of: type, file: file, location: location)
    memoryType = H5Tcopy(type)
    guard memoryType >= 0 else { throw file.failure(.io, at: location, "cannot copy the dataset's type") }
    if dtype.byteWidth > 1 {
      guard H5Tset_order(memoryType, H5T_ORDER_LE) >= 0 else {
        throw file.failure(.io, at: location, "cannot make a little-endian memory type")
      }
    }

    // Dataspace.
    let space = H5Dget_space(id)
    guard space >= 0 else { throw file.failure(at: location, "cannot read the dataset's dataspace") }
    defer { _ = H5Sclose(space) }
    let spaceClass = H5Sget_simple_extent_type(space)
    guard spaceClass == H5S_SIMPLE || spaceClass == H5S_SCALAR else {
      throw file.failure(at: location, "has an empty (null) dataspace")
    }
    let rank = H5Sget_simple_extent_ndims(space)
    guard rank >= 0 else { throw file.failure(at: location, "cannot read the dataset's rank") }
    guard rank <= 32 else { throw file.failure(.unsupported, at: location, "has rank \(rank)") }
    var dims = [hsize_t](repeating: 0, count: Int(rank))
    guard H5Sget_simple_extent_dims(space, &dims, nil) == rank else {
      throw file.failure(at: location, "cannot read the dataset's dimensions")
    }
    var elements = 1
    var shape: [Int] = []
    for dim in dims {
      guard dim <= UInt64(Int.max) else {
        throw file.failure(.limitExceeded, at: location, "has dimension \(dim), beyond any real tensor")
      }
      let (product, overflow) = elements.multipliedReportingOverflow(by: Int(dim))
      guard !overflow else {
        throw file.failure(.limitExceeded, at: location, "shape \(dims) has more elements than can be counted")
      }
      elements = product
      shape.append(Int(dim))
    }
    let (bytes, overflow) = elements.multipliedReportingOverflow(by: dtype.byteWidth)
    guard !overflow, bytes <= HDF5Dataset.maxByteCount else {
      throw file.failure(.limitExceeded, at: location,
                         "shape \(shape) of \(dtype.rawValue) is larger than \(HDF5Dataset.maxByteCount) bytes")
    }

    // Storage: inside this file, and as large as the shape says when not chunked.
    let creation = H5Dget_create_plist(id)
    guard creation >= 0 else { throw file.failure(at: location, "cannot read the dataset's creation properties") }
    defer { _ = H5Pclose(creation) }
    let layout = H5Pget_layout(creation)
    guard layout != H5D_VIRTUAL else {
      throw file.failure(.unsupported, at: location, "is a virtual dataset (its data lives in other files)")
    }
    let externals = H5Pget_external_count(creation)
    guard externals >= 0 else { throw file.failure(at: location, "cannot read the dataset's storage") }
    guard externals == 0 else {
      throw file.failure(.unsupported, at: location, "keeps its data in \(externals) external file(s)")
    }
    // The buffer a read fills is allocated from the shape, so the shape must be backed by bytes of this file:
    // exactly for contiguous and compact data; for chunked data, within what compression can expand (deflate,
    // which Keras uses, at most 1032:1) — a dataset whose chunks were never written reads as gigabytes of fill.
    let stored = H5Dget_storage_size(id)
    guard stored <= UInt64(file.byteCount) else {
      throw file.failure(.outOfBounds, at: location, "claims \(stored) stored bytes in the \(file.byteCount)-byte file")
    }
    if layout == H5D_CONTIGUOUS || layout == H5D_COMPACT {
      guard stored == UInt64(bytes) else {
        throw file.failure(.outOfBounds, at: location, "stores \(stored) bytes, but shape \(shape) of \(dtype.rawValue) needs \(bytes)")
      }
    } else if layout == H5D_CHUNKED {
      let (expanded, overflow) = max(stored, 1).multipliedReportingOverflow(by: UInt64(HDF5Dataset.maxExpansion))
      guard overflow || UInt64(bytes) <= expanded else {
        throw file.failure(.outOfBounds, at: location,
                           "stores \(stored) bytes, but shape \(shape) of \(dtype.rawValue) needs \(bytes), more than \(HDF5Dataset.maxExpansion)× as many (unwritten chunks)")
      }
    } else {
      throw file.failure(at: location, "has an unknown storage layout")
    }

    self.id = id
    self.memoryType = memoryType
    self.dtype = dtype
    self.shape = shape
    self.elementCount = elements
    self.byteCount = bytes
    opened = true
  }

  deinit {
    HDF5Library.enter()
    defer { HDF5Library.leave() }
    _ = H5Tclose(memoryType)
    _ = H5Dclose(id)
  }

  /// The ``DType`` an HDF5 datatype holds: IEEE binary16/32/64 or bfloat16 floats, or 1-, 2-, 4- or 8-byte
  /// integers, in either byte order.
  private static func dtype(of type: hid_t, file: HDF5File, location: String) throws(CheckpointError) -> DType {
    let typeClass = H5Tget_class(type)
    let size = H5Tget_size(type)
    let order = H5Tget_order(type)
    guard typeClass != H5T_NO_CLASS, size > 0 else { throw file.failure(at: location, "cannot read the dataset's type") }
    let plain = H5Tget_offset(type) == 0 && H5Tget_precision(type) == 8 * size
      && (size == 1 || order == H5T_ORDER_LE || order == H5T_ORDER_BE)
    switch typeClass {
    case H5T_FLOAT:
      var spos = 0, epos = 0, esize = 0, mpos = 0, msize = 0
      guard H5Tget_fields(type, &spos, &epos, &esize, &mpos, &msize) >= 0 else {
        throw file.failure(at: location, "cannot read the dataset's floating-point layout")
      }
      // (sign position, exponent position and size, mantissa position and size) of each IEEE layout.
      let layouts: [(DType, [Int])] = [
        (.f16, [15, 10, 5, 0, 10]), (.bf16, [15, 7, 8, 0, 7]), (.f32, [31, 23, 8, 0, 23]), (.f64, [63, 52, 11, 0, 52]),
      ]
      if plain, let match = layouts.first(where: { $0.0.byteWidth == size && $0.1 == [spos, epos, esize, mpos, msize] }) {
        return match.0
      }
      throw file.failure(.unsupported, at: location, "holds a \(size)-byte floating-point type that is not IEEE binary16/32/64 or bfloat16")
    case H5T_INTEGER:
      let signed = H5Tget_sign(type) == H5T_SGN_2
      let byWidth: [Int: DType] = signed ? [1: .i8, 2: .i16, 4: .i32, 8: .i64] : [1: .u8, 2: .u16, 4: .u32, 8: .u64]
      if plain, let dtype = byWidth[size] { return dtype }
      throw file.failure(.unsupported, at: location, "holds a \(size)-byte integer type with unusual layout")
    default:
      let what: String
      switch typeClass {
      case H5T_STRING: what = "strings"
      case H5T_ENUM: what = "enum values (such as h5py booleans)"
      case H5T_COMPOUND: what = "compound values"
      case H5T_OPAQUE: what = "opaque data"
      case H5T_REFERENCE: what = "references"
      case H5T_VLEN: what = "variable-length sequences"
      case H5T_ARRAY: what = "arrays"
      case H5T_BITFIELD: what = "bitfields"
      case H5T_TIME: what = "time values"
      default: what = "an unknown type"
      }
      throw file.failure(.unsupported, at: location, "holds \(what), not numbers")
    }
  }

  /// Reads the whole dataset, little-endian and row-major, into `buffer` (exactly ``byteCount`` bytes)
  /// (`H5Dread`).
  func read(into buffer: UnsafeMutableRawBufferPointer) throws(CheckpointError) {
    precondition(buffer.count == byteCount, "buffer size does not match the dataset")
    guard elementCount > 0 else { return }
    HDF5Library.enter()
    defer { HDF5Library.leave() }
    guard H5Dread(id, memoryType, chdf5_s_all(), chdf5_s_all(), chdf5_p_default(), buffer.baseAddress) >= 0 else {
      throw file.failure(at: location, "cannot read the data")
    }
  }

  /// The bytes of one row (one index of the first dimension; the whole value for rank 0).
  var rowBytes: Int { shape.isEmpty ? byteCount : (shape[0] == 0 ? 0 : byteCount / shape[0]) }

  /// Reads rows `rows` (indices of the first dimension) of a dataset of rank ≥ 1, little-endian and row-major,
  /// into `buffer` (exactly `rows.count` × ``rowBytes``) (`H5Sselect_hyperslab`, `H5Screate_simple`, `H5Dread`).
  func read(rows: Range<Int>, into buffer: UnsafeMutableRawBufferPointer) throws(CheckpointError) {
    precondition(!shape.isEmpty && rows.lowerBound >= 0 && rows.upperBound <= shape[0], "rows outside the dataset")
    precondition(buffer.count == rows.count * rowBytes, "buffer size does not match the rows")
    guard buffer.count > 0 else { return }
    HDF5Library.enter()
    defer { HDF5Library.leave() }
    let fileSpace = H5Dget_space(id)
    guard fileSpace >= 0 else { throw file.failure(at: location, "cannot read the dataset's dataspace") }
    defer { _ = H5Sclose(fileSpace) }
    let start: [hsize_t] = [hsize_t(rows.lowerBound)] + Array(repeating: 0, count: shape.count - 1)
    let count: [hsize_t] = [hsize_t(rows.count)] + shape.dropFirst().map { hsize_t($0) }
    guard H5Sselect_hyperslab(fileSpace, H5S_SELECT_SET, start, nil, count, nil) >= 0 else {
      throw file.failure(.io, at: location, "cannot select rows \(rows)")
    }
    let memorySpace = H5Screate_simple(Int32(shape.count), count, nil)
    guard memorySpace >= 0 else { throw file.failure(.io, at: location, "cannot make a memory dataspace") }
    defer { _ = H5Sclose(memorySpace) }
    guard H5Dread(id, memoryType, memorySpace, fileSpace, chdf5_p_default(), buffer.baseAddress) >= 0 else {
      throw file.failure(at: location, "cannot read rows \(rows)")
    }
  }
}
