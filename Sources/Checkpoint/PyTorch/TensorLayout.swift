import Support
import SafeTensors

/// A tensor's strided view of its storage, checked against the storage's size: every element it reaches lies
/// inside the storage, and every count and byte offset fits in `Int`.
struct TensorLayout: Sendable {
  let dtype: DType
  /// First element, counted from the start of the storage record.
  let offset: Int
  let size: [Int]
  let stride: [Int]
  let elementCount: Int
  /// `elementCount × dtype.byteWidth`: the C-contiguous size.
  let byteCount: Int
  /// The bytes of the storage record the tensor reaches (empty for an empty tensor).
  let storageBytes: Range<Int>
  /// True when the elements lie back to back in C order, so `storageBytes` is the tensor.
  let isContiguous: Bool

  /// Materialising a tensor whose strides repeat storage elements (a broadcast view) is capped at this size.
  static let maxBroadcastBytes = 1 << 30

  /// Checks `record` against a storage whose usable bytes are `base ..< base + available` of its record.
  /// - Parameter location: the tensor, for errors (`tensor 'bert.pooler.dense.weight'`).
  /// - Throws: ``CheckpointError`` at `location`: `.unsupported` dtype, `.malformed` negative sizes or
  ///   strides, `.outOfBounds` elements outside the storage, `.limitExceeded` counts that overflow.
  init(_ record: TensorRecord, at location: String, storageBase base: Int, storageBytes available: Int, file: String) throws(CheckpointError) {
    func fail(_ code: CheckpointError.Code, _ detail: String) -> CheckpointError {
      CheckpointError(code, file: file, at: location, detail)
    }
    guard let dtype = record.dtype else {
      throw fail(.unsupported, "dtype \(record.dtypeName) (supported: f32, f16, bf16, f64, i64, i32, i16, i8, u8, bool)")
    }
    let width = dtype.byteWidth
    let storage = "storage '\(record.storage.key)'"
    guard base % width == 0 else { throw fail(.malformed, "\(storage) view starts at byte \(base), not a multiple of \(width)") }
    guard record.storageOffset >= 0 else { throw fail(.outOfBounds, "negative storage offset \(record.storageOffset)") }
    guard record.size.allSatisfy({ $0 >= 0 }) else { throw fail(.malformed, "negative size \(record.size)") }
    guard record.stride.allSatisfy({ $0 >= 0 }) else { throw fail(.malformed, "negative stride \(record.stride)") }
    guard let count = Checked.product(record.size), let bytes = Checked.multiply(count, width) else {
      throw fail(.limitExceeded, "size \(record.size) has more elements than fit in a 64-bit count")
    }
    guard let startByte = Checked.multiply(record.storageOffset, width).flatMap({ Checked.add($0, base) }),
          let offset = Checked.add(record.storageOffset, base / width)
    else { throw fail(.outOfBounds, "storage offset \(record.storageOffset) is beyond any storage") }

    var endByte = startByte
    if count > 0 {
      // The last element reached: offset + Σ (size − 1) × stride.
      var last = record.storageOffset
      for (size, stride) in zip(record.size, record.stride) {
        guard let step = Checked.multiply(size - 1, stride), let next = Checked.add(last, step) else {
          throw fail(.outOfBounds, "size \(record.size) with stride \(record.stride) reaches beyond any storage")
        }
        last = next
      }
      guard let end = Checked.add(last, 1).flatMap({ Checked.multiply($0, width) }).flatMap({ Checked.add($0, base) }) else {
        throw fail(.outOfBounds, "size \(record.size) with stride \(record.stride) reaches beyond any storage")
      }
      endByte = end
    }
    guard let limit = Checked.add(base, available), endByte <= limit, startByte <= limit else {
      throw fail(.outOfBounds, "offset \(record.storageOffset), size \(record.size), stride \(record.stride) reach bytes \(startByte - base)..<\(endByte - base) of \(storage), which holds \(available) bytes")
    }
    if bytes > endByte - startByte && bytes > Self.maxBroadcastBytes {
      throw fail(.limitExceeded, "stride \(record.stride) repeats \(endByte - startByte) stored bytes into \(bytes) bytes, beyond the \(Self.maxBroadcastBytes)-byte limit for broadcast views")
    }

    var contiguous = true
    var expected = 1
    for (size, stride) in zip(record.size, record.stride).reversed() where size != 1 {
      if stride != expected { contiguous = false }
      expected = expected &* size
    }
    self.dtype = dtype
    self.offset = offset
    self.size = record.size
    self.stride = record.stride
    self.elementCount = count
    self.byteCount = bytes
    self.storageBytes = startByte..<endByte
    self.isContiguous = contiguous || count == 0
  }

  /// Copies the tensor's elements in C order from `storage` (the record's bytes from its start, at least
  /// `storageBytes.upperBound` of them) into `output` (`byteCount` bytes).
  func gather(from storage: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer) {
    guard elementCount > 0, let source = storage.baseAddress, let target = output.baseAddress else { return }
    let width = dtype.byteWidth
    guard let innerSize = size.last, let innerStride = stride.last else {
      target.copyMemory(from: source + offset * width, byteCount: width)  // a 0-d tensor
      return
    }
    let outer = size.count - 1
    var index = [Int](repeating: 0, count: outer)
    var row = offset  // element index of the current row's first element
    var written = 0
    while true {
      if innerStride == 1 {
        (target + written).copyMemory(from: source + row * width, byteCount: innerSize * width)
        written += innerSize * width
      } else {
        var element = row
        for _ in 0..<innerSize {
          (target + written).copyMemory(from: source + element * width, byteCount: width)
          written += width
          element += innerStride
        }
      }
      // Next row: odometer over the outer dimensions; every value stays within the checked extent.
      var dimension = outer - 1
      while dimension >= 0 {
        if index[dimension] + 1 < size[dimension] {
          index[dimension] += 1
          row += stride[dimension]
          break
        }
        row -= stride[dimension] * (size[dimension] - 1)
        index[dimension] = 0
        dimension -= 1
      }
      if dimension < 0 { return }
    }
  }

  /// Reverses the bytes of each element of `buffer` in place (big-endian storage).
  func byteSwap(_ buffer: UnsafeMutableRawBufferPointer) {
    let width = dtype.byteWidth
    guard width > 1 else { return }
    var start = 0
    while start + width <= buffer.count {
      var low = start, high = start + width - 1
      while low < high {
        buffer.swapAt(low, high)
        low += 1
        high -= 1
      }
      start += width
    }
  }
}
