extension UnsafeRawBufferPointer {
  /// The little-endian integer of `T`'s width at `offset`, or nil when it does not lie inside the buffer.
  func littleEndian<T: FixedWidthInteger>(_: T.Type, at offset: Int) -> T? {
    guard offset >= 0, offset <= count - MemoryLayout<T>.size else { return nil }
    return T(littleEndian: loadUnaligned(fromByteOffset: offset, as: T.self))
  }
}
