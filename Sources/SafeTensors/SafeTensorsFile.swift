import Support

/// A safetensors file, mapped read-only and validated as strictly as the reference implementation.
///
/// Tensors are ``TensorView``s into the mapping: opening a file copies no tensor data.
public final class SafeTensorsFile: @unchecked Sendable {
  /// The largest header the reference implementation accepts.
  public static let maxHeaderLength = 100_000_000

  /// The mapping every tensor view points into.
  public let file: MappedFile
  /// The header's `__metadata__` (empty when absent or `null`). Two keys that differ in bytes but are equal as
  /// Swift strings (`café` in NFC and NFD) are both valid in the format but one entry here (the first);
  /// ``metadataEntries`` keeps every key byte-exact.
  public let metadata: [String: String]
  /// The header's `__metadata__` entries in document order, keys byte-exact.
  public let metadataEntries: [(key: String, value: String)]
  /// Every tensor, in data-offset order.
  public let tensors: [TensorView]
  /// The JSON header's length in bytes; the data section starts at `8 + headerLength`.
  public let headerLength: Int
  private let positions: [UTF8Key: Int]

  public var path: String { file.path }

  /// Maps and validates the file at `path`.
  /// - Throws: ``SafeTensorsError`` naming the file and the broken rule.
  public convenience init(path: String) throws(SafeTensorsError) {
    try self.init(file: MappedFile(path: path))
  }

  /// Validates an already mapped file.
  /// - Throws: ``SafeTensorsError`` naming the file and the broken rule.
  public init(file: MappedFile) throws(SafeTensorsError) {
    self.file = file
    let header = try file.withUnsafeBytes { bytes throws(SafeTensorsError) in
      try Header.validate(bytes, path: file.path)
    }
    metadataEntries = header.metadata
    metadata = Dictionary(header.metadata.map { ($0.key, $0.value) }, uniquingKeysWith: { first, _ in first })
    headerLength = header.length
    let dataStart = 8 + header.length
    tensors = header.entries.map { entry in
      TensorView(
        name: entry.name, dtype: entry.dtype, shape: entry.shape,
        fileRange: (dataStart + entry.offsets.lowerBound)..<(dataStart + entry.offsets.upperBound),
        dataOffsets: entry.offsets, file: file)
    }
    // Names are unique as bytes (the header parser refuses a repeated key), so this cannot trap.
    positions = Dictionary(uniqueKeysWithValues: tensors.enumerated().map { (UTF8Key($1.name), $0) })
  }

  /// The tensor named `name` (the same UTF-8 bytes), if the file has one.
  public subscript(name: String) -> TensorView? {
    positions[UTF8Key(name)].map { tensors[$0] }
  }

  /// The tensor named `name`.
  /// - Throws: ``SafeTensorsError`` with code `.tensorNotFound`.
  public func tensor(named name: String) throws(SafeTensorsError) -> TensorView {
    guard let view = self[name] else { throw SafeTensorsError(.tensorNotFound, file: path, tensor: name, "no such tensor") }
    return view
  }
}

/// Header parsing and validation, kept apart from the mapping so it can be tested on plain bytes.
enum Header {
  struct Entry {
    var name: String
    var dtype: DType
    var shape: [Int]
    var offsets: Range<Int>
  }

  struct Parsed {
    var length: Int
    var metadata: [(key: String, value: String)]
    var entries: [Entry]
  }

  static func validate(_ bytes: UnsafeRawBufferPointer, path: String) throws(SafeTensorsError) -> Parsed {
    func fail(_ code: SafeTensorsError.Code, _ tensor: String?, _ detail: String) -> SafeTensorsError {
      SafeTensorsError(code, file: path, tensor: tensor, detail)
    }
    guard bytes.count >= 8 else {
      throw fail(.headerTooSmall, nil, "file has \(bytes.count) bytes, fewer than the 8-byte header length")
    }
    let declared = bytes.loadUnaligned(as: UInt64.self).littleEndian
    guard declared <= UInt64(SafeTensorsFile.maxHeaderLength) else {
      throw fail(.headerTooLarge, nil, "header length \(declared) exceeds \(SafeTensorsFile.maxHeaderLength) bytes")
    }
    let length = Int(declared)
    guard 8 + length <= bytes.count else {
      throw fail(.invalidHeaderLength, nil, "header length \(length) runs past the end of the \(bytes.count)-byte file")
    }
    let headerBytes = UnsafeRawBufferPointer(rebasing: bytes[8..<(8 + length)])
    guard String(validating: headerBytes, as: UTF8.self) != nil else {
      throw fail(.invalidHeader, nil, "the \(length)-byte header is not UTF-8")
    }
    let json: JSONValue
    do {
      json = try JSONValue.parse(headerBytes)
    } catch {
      if let key = error.duplicateKey { throw fail(.duplicateKey, key, "the header names '\(key)' twice") }
      throw fail(.invalidHeaderDeserialization, nil, "\(error)")
    }
    guard let members = json.objectValue else { throw fail(.invalidHeaderDeserialization, nil, "the header is not a JSON object") }
    // serde_json refuses a number outside f64's range anywhere in the document, even in a field it ignores.
    guard !json.hasNumberOutOfRange else {
      throw fail(.invalidHeaderDeserialization, nil, "the header holds a number out of range (beyond ±1.8e308)")
    }

    var metadata: [(key: String, value: String)] = []
    var entries: [Entry] = []
    for (name, value) in members {
      if name.utf8.elementsEqual("__metadata__".utf8) {
        if value == .null { continue }  // the reference's `Option`: null is no metadata
        guard let pairs = value.objectValue else { throw fail(.invalidMetadata, nil, "__metadata__ is not an object") }
        for (key, item) in pairs {
          guard let text = item.stringValue else { throw fail(.invalidMetadata, nil, "__metadata__['\(key)'] is not a string") }
          metadata.append((key, text))
        }
        continue
      }
      entries.append(try entry(name, value, fail))
    }

    entries.sort { ($0.offsets.lowerBound, $0.offsets.upperBound) < ($1.offsets.lowerBound, $1.offsets.upperBound) }
    var end = 0
    for entry in entries {
      guard entry.offsets.lowerBound == end else {
        let what = entry.offsets.lowerBound > end ? "a hole" : "an overlap"
        throw fail(.invalidOffset, entry.name, "data starts at \(entry.offsets.lowerBound), expected \(end) (\(what))")
      }
      // As the reference: elements first (dimension by dimension, so [2^62, 0] is 0 elements), then bits.
      guard let bits = Header.bitCount(entry.dtype, entry.shape) else {
        throw fail(.validationOverflow, entry.name, "shape \(entry.shape) overflows")
      }
      guard bits % 8 == 0 else {
        throw fail(.misalignedSlice, entry.name, "\(entry.dtype.rawValue) \(entry.shape) is not a whole number of bytes")
      }
      guard entry.offsets.count == bits / 8 else {
        throw fail(.tensorInvalidInfo, entry.name,
                   "\(entry.dtype.rawValue) \(entry.shape) needs \(bits / 8) bytes, offsets span \(entry.offsets.count)")
      }
      end = entry.offsets.upperBound
    }
    let (total, overflow) = (8 + length).addingReportingOverflow(end)
    guard !overflow, total == bytes.count else {
      throw fail(.metadataIncompleteBuffer, nil, "header and data need \(overflow ? "more than Int.max" : String(total)) bytes, file has \(bytes.count)")
    }
    return Parsed(length: length, metadata: metadata, entries: entries)
  }

  /// Elements times bits per element, each product checked in 64 bits as the reference does with `usize`;
  /// nil on overflow.
  static func bitCount(_ dtype: DType, _ shape: [Int]) -> Int? {
    var elements: UInt64 = 1
    for dim in shape {
      guard dim >= 0 else { return nil }
      let (product, overflow) = elements.multipliedReportingOverflow(by: UInt64(dim))
      guard !overflow else { return nil }
      elements = product
    }
    let (bits, overflow) = elements.multipliedReportingOverflow(by: UInt64(dtype.bitWidth))
    guard !overflow, bits <= UInt64(Int.max) else { return nil }
    return Int(bits)
  }

  /// A JSON number as serde_json gives it to a `usize`: plain digits only (`-0`, `1.0` and `1e2` are floats to
  /// serde_json and refused), at most 2^64 − 1. Values above `Int.max` are refused here (docs/FORMAT.md): no
  /// file is that long, and only a dimension beside a 0 could otherwise be valid.
  static func size(_ value: JSONValue) -> Int? {
    guard case .number(let text) = value,
          !text.utf8.isEmpty, text.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") })
    else { return nil }
    return Int(text)
  }

  private static func entry(
    _ name: String, _ value: JSONValue, _ fail: (SafeTensorsError.Code, String?, String) -> SafeTensorsError
  ) throws(SafeTensorsError) -> Entry {
    guard value.objectValue != nil else { throw fail(.invalidHeaderDeserialization, name, "entry is not an object") }
    guard let dtypeName = value["dtype"]?.stringValue else {
      throw fail(.invalidHeaderDeserialization, name, "missing or non-string 'dtype'")
    }
    guard let dtype = DType(rawValue: dtypeName) else { throw fail(.unknownDType, name, "'\(dtypeName)'") }
    guard let shapeValues = value["shape"]?.arrayValue else {
      throw fail(.invalidHeaderDeserialization, name, "missing or non-array 'shape'")
    }
    var shape: [Int] = []
    for dim in shapeValues {
      guard let n = size(dim) else {
        throw fail(.invalidHeaderDeserialization, name, "shape holds a value that is not a non-negative integer")
      }
      shape.append(n)
    }
    guard let offsetValues = value["data_offsets"]?.arrayValue, offsetValues.count == 2,
          let begin = size(offsetValues[0]), let end = size(offsetValues[1])
    else { throw fail(.invalidHeaderDeserialization, name, "'data_offsets' is not two non-negative integers") }
    guard end >= begin else { throw fail(.invalidOffset, name, "data_offsets end \(end) precedes begin \(begin)") }
    return Entry(name: name, dtype: dtype, shape: shape, offsets: begin..<end)
  }
}
