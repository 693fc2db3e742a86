import SafeTensors

/// One weight of an HDF5 file, read through libhdf5 into a buffer that lives only for the call.
///
/// A transposed kernel is read a block of stored rows at a time (at most ``blockBytes``) and each block is
/// written transposed straight into the destination, so no second full-size copy exists.
struct HDF5TensorBytes: TensorBytes {
  /// Stored rows read per libhdf5 call when transposing.
  static let blockBytes = 1 << 20

  var isMapped: Bool { false }

  let file: HDF5File
  /// The PyTorch name, for error messages.
  let name: String
  /// The dataset read, then further datasets holding the same weight (Keras stores TFBertForPreTraining's
  /// embeddings again under its `mlm___cls` layer), which must hold the same bytes.
  let datasetPaths: [String]
  let dtype: DType
  /// The shape as stored (`[in, out]` for a kernel).
  let storedShape: [Int]
  /// Whether a rank-2 dataset is transposed into `[out, in]`.
  let transposed: Bool

  var byteCount: Int { storedShape.reduce(dtype.byteWidth, *) }

  func withContiguousBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) throws -> R {
    let count = byteCount
    let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(count, 1), alignment: 64)
    defer { buffer.deallocate() }
    let destination = UnsafeMutableRawBufferPointer(rebasing: buffer[0..<count])
    try read(datasetPaths[0], into: destination)
    if datasetPaths.count > 1 {
      let copy = UnsafeMutableRawBufferPointer.allocate(byteCount: max(count, 1), alignment: 64)
      defer { copy.deallocate() }
      let other = UnsafeMutableRawBufferPointer(rebasing: copy[0..<count])
      for path in datasetPaths.dropFirst() {
        try read(path, into: other)
        guard destination.elementsEqual(other) else {
          throw CheckpointError(.malformed, file: file.path, at: "dataset '\(path)'",
                                "holds '\(name)' like dataset '\(datasetPaths[0])', but with different values")
        }
      }
    }
    return try body(UnsafeRawBufferPointer(destination))
  }

  /// A weight stored as it is used (not a transposed kernel) in one dataset is read a block of rows at a time,
  /// so a single pass never holds the whole tensor (bert-base's word embeddings are 94 MB); anything else is read
  /// whole, then handed out in chunks.
  func readOnce(chunkBytes: Int, _ body: (UnsafeRawBufferPointer) throws -> Void) throws {
    let rowBytes = storedShape.count == 2 ? storedShape[1] * dtype.byteWidth : 0
    guard datasetPaths.count == 1, !transposed, rowBytes > 0, rowBytes <= chunkBytes, byteCount > chunkBytes else {
      return try withContiguousBytes { bytes in try forEachChunk(of: bytes, chunkBytes: chunkBytes, body) }
    }
    let path = datasetPaths[0]
    let dataset = try HDF5Dataset(file: file, path: path)
    guard dataset.dtype == dtype, dataset.shape == storedShape else {
      throw CheckpointError(.malformed, file: file.path, at: "dataset '\(path)'",
                            "changed while open: now \(dataset.dtype.rawValue) \(dataset.shape)")
    }
    let blockRows = chunkBytes / rowBytes
    let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: blockRows * rowBytes, alignment: 64)
    defer { buffer.deallocate() }
    var first = 0
    while first < storedShape[0] {
      let count = min(blockRows, storedShape[0] - first)
      let block = UnsafeMutableRawBufferPointer(rebasing: buffer[0..<(count * rowBytes)])
      try dataset.read(rows: first..<(first + count), into: block)
      try body(UnsafeRawBufferPointer(block))
      first += count
    }
  }

  private func read(_ path: String, into destination: UnsafeMutableRawBufferPointer) throws(CheckpointError) {
    let dataset = try HDF5Dataset(file: file, path: path)
    guard dataset.dtype == dtype, dataset.shape == storedShape else {
      throw CheckpointError(.malformed, file: file.path, at: "dataset '\(path)'",
                            "changed while open: now \(dataset.dtype.rawValue) \(dataset.shape)")
    }
    guard transposed, storedShape.count == 2, storedShape[0] > 1, storedShape[1] > 1 else {
      return try dataset.read(into: destination)
    }
    let (rows, columns, width) = (storedShape[0], storedShape[1], dtype.byteWidth)
    let blockRows = max(1, min(rows, Self.blockBytes / (columns * width)))
    let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: blockRows * columns * width, alignment: 64)
    defer { scratch.deallocate() }
    var first = 0
    while first < rows {
      let count = min(blockRows, rows - first)
      let block = UnsafeMutableRawBufferPointer(rebasing: scratch[0..<(count * columns * width)])
      try dataset.read(rows: first..<(first + count), into: block)
      switch width {
      case 1: Self.transpose(UInt8.self, block, rows: first..<(first + count), of: rows, columns: columns, into: destination)
      case 2: Self.transpose(UInt16.self, block, rows: first..<(first + count), of: rows, columns: columns, into: destination)
      case 4: Self.transpose(UInt32.self, block, rows: first..<(first + count), of: rows, columns: columns, into: destination)
      default: Self.transpose(UInt64.self, block, rows: first..<(first + count), of: rows, columns: columns, into: destination)
      }
      first += count
    }
  }

  /// Writes `block` — stored rows `rows` of a `[totalRows, columns]` matrix — into the transposed
  /// `[columns, totalRows]` matrix `destination`, moving elements as `Element` bit patterns.
  static func transpose<Element: FixedWidthInteger>(
    _: Element.Type, _ block: UnsafeMutableRawBufferPointer, rows: Range<Int>, of totalRows: Int, columns: Int,
    into destination: UnsafeMutableRawBufferPointer
  ) {
    let width = MemoryLayout<Element>.size
    precondition(block.count == rows.count * columns * width && destination.count == totalRows * columns * width)
    for column in 0..<columns {
      var source = column * width
      var target = (column * totalRows + rows.lowerBound) * width
      for _ in rows {
        destination.storeBytes(of: block.load(fromByteOffset: source, as: Element.self), toByteOffset: target, as: Element.self)
        source += columns * width
        target += width
      }
    }
  }
}
