/// A fixed-size, 64-byte aligned, zero-initialised array of `Float` that this object owns and frees.
///
/// The encoder's scratch and widened weights live in these so that a forward pass allocates nothing per layer.
/// The pointer is only used while the owning object is alive (the model or the ``Workspace`` being run).
final class FloatBuffer: @unchecked Sendable {
  let count: Int
  let pointer: UnsafeMutablePointer<Float>

  init(count: Int) {
    let capacity = Swift.max(count, 1)
    let raw = UnsafeMutableRawPointer.allocate(byteCount: capacity * MemoryLayout<Float>.stride, alignment: 64)
    pointer = raw.initializeMemory(as: Float.self, repeating: 0, count: capacity)
    self.count = count
  }

  deinit {
    pointer.deinitialize(count: Swift.max(count, 1))
    UnsafeMutableRawPointer(pointer).deallocate()
  }

  /// A copy of the contents.
  var values: [Float] { Array(UnsafeBufferPointer(start: pointer, count: count)) }
}
