import Checkpoint
import Models
import SafeTensors
import Support

/// One weight tensor as f32: read in place from a safetensors mapping when it is stored as aligned f32 there,
/// otherwise widened (f16, bf16, f64) or copied (PyTorch, HDF5 sources) once into memory the model owns.
struct WeightTensor: Sendable {
  enum Storage: Sendable {
    /// f32 bytes inside a mapping; reached through the source's scoped accessor at each use.
    case mapped(SourceTensor)
    /// f32 values the model owns.
    case owned(FloatBuffer)
  }

  let name: String
  let shape: [Int]
  let storage: Storage

  var elementCount: Int { shape.reduce(1, *) }

  /// Values the model already owns.
  init(name: String, shape: [Int], owned buffer: FloatBuffer) {
    precondition(buffer.count == shape.reduce(1, *), "buffer size")
    self.name = name
    self.shape = shape
    storage = .owned(buffer)
  }

  /// Loads `tensor`: read in place at each use when its bytes are a stable mapping (``SourceTensor/isMapped``)
  /// holding aligned f32, otherwise converted to f32 once.
  /// - Throws: ``BERTError`` `.weights` when the source cannot produce the bytes.
  init(_ tensor: CanonicalTensor) throws(BERTError) {
    name = tensor.name
    shape = tensor.shape
    let source = tensor.source
    let count = source.elementCount
    guard count > 0 else { throw BERTError(.unsupported, file: source.file, "tensor '\(source.name)' is empty") }
    do {
      if source.isMapped && source.dtype == .f32 {
        let aligned = try source.withContiguousBytes { bytes in
          bytes.count == count * 4 && Int(bitPattern: bytes.baseAddress) % MemoryLayout<Float>.alignment == 0
        }
        if aligned {
          storage = .mapped(source)
          return
        }
      }
      let buffer = FloatBuffer(count: count)
      try source.withContiguousBytes { bytes in
        guard bytes.count == count * source.dtype.byteWidth else {
          throw BERTError(.weights, file: source.file, "tensor '\(source.name)' has \(bytes.count) bytes, expected \(count * source.dtype.byteWidth)")
        }
        DTypeCast.convert(bytes, from: source.dtype, to: .f32,
                          into: UnsafeMutableRawBufferPointer(start: buffer.pointer, count: count * 4), count: count)
      }
      storage = .owned(buffer)
    } catch let error as BERTError {
      throw error
    } catch let error as any ContextualError {
      throw BERTError(.weights, wrapping: error, tensor: source.name)
    } catch {
      throw BERTError(.weights, file: source.file, tensor: source.name, "\(error)")
    }
  }

  /// Calls `body` with the tensor's f32 values (``elementCount`` of them, row-major).
  func withFloats<R>(_ body: (UnsafePointer<Float>) throws(BERTError) -> R) throws(BERTError) -> R {
    switch storage {
    case .owned(let buffer):
      return try body(buffer.pointer)
    case .mapped(let source):
      do {
        return try source.withContiguousBytes { bytes in
          // Checked at load: exactly elementCount aligned f32 values.
          try body(bytes.bindMemory(to: Float.self).baseAddress!)
        }
      } catch let error as BERTError {
        throw error
      } catch let error as any ContextualError {
        throw BERTError(.weights, wrapping: error, tensor: source.name)
      } catch {
        throw BERTError(.weights, file: source.file, tensor: source.name, "\(error)")
      }
    }
  }
}

/// The weights of a ``ModelPlan``, looked up by role: the family's table (Sources/Models) knows the names and
/// the shapes (checked when the plan was made), the encoder only which module it needs.
struct WeightSet {
  let plan: ModelPlan

  init(plan: ModelPlan) { self.plan = plan }

  var path: String { plan.config.path }

  func contains(_ role: Role, layer: Int? = nil) -> Bool { plan.has(role, layer: layer) }

  /// The module with `role` (in `layer`), which must be of `kind`: its tensors in the table's order.
  func tensors(_ role: Role, layer: Int?, _ kind: ModuleSpec.Kind) throws(BERTError) -> [WeightTensor] {
    let where_ = layer.map { " in layer \($0)" } ?? ""
    guard let (spec, tensors) = plan.module(role, layer: layer) else {
      throw BERTError(.unsupported, file: path, "the weights lack the \(role) module\(where_)")
    }
    guard spec.kind == kind, tensors.count == spec.parameters.count else {
      throw BERTError(.unsupported, file: path, "the \(role) module\(where_) is \(spec.kind), the encoder needs \(kind)")
    }
    var loaded: [WeightTensor] = []
    for tensor in tensors { loaded.append(try WeightTensor(tensor)) }
    return loaded
  }

  /// A `torch.nn.Linear` module with bias, its weight packed for the GEMM kernel.
  func linear(_ role: Role, layer: Int? = nil, out: Int, in inFeatures: Int) throws(BERTError) -> Linear {
    let t = try tensors(role, layer: layer, .linear(out: out, in: inFeatures, bias: true))
    return try Linear(weight: t[0], bias: t[1])
  }

  /// A `torch.nn.LayerNorm` module.
  func layerNorm(_ role: Role, layer: Int? = nil, width: Int, eps: Double) throws(BERTError) -> LayerNorm {
    let t = try tensors(role, layer: layer, .layerNorm(width: width))
    return LayerNorm(weight: t[0], bias: t[1], eps: eps)
  }

  /// A `torch.nn.Embedding` module's table.
  func embedding(_ role: Role, layer: Int? = nil, rows: Int, width: Int) throws(BERTError) -> WeightTensor {
    try tensors(role, layer: layer, .embedding(rows: rows, width: width))[0]
  }
}

/// `torch.nn.Linear`: y = x·Wᵀ + b, with W stored [out, in] and packed once for the GEMM kernel
/// (``PackedWeight``); without a bias, y = x·Wᵀ.
struct Linear: Sendable {
  let weight: PackedWeight
  let bias: WeightTensor?

  /// Packs `weight` [out, in]; `bias` [out] when the layer has one.
  init(weight: WeightTensor, bias: WeightTensor?) throws(BERTError) {
    self.weight = try PackedWeight(weight)
    self.bias = bias
  }

  var outFeatures: Int { weight.outFeatures }
  var inFeatures: Int { weight.inFeatures }

  /// Places the bias (or zeros) in `count` columns from `first` of `rows` rows of `y`.
  private func placeBias(rows: Int, first: Int, count: Int, y: UnsafeMutablePointer<Float>, yStride: Int) throws(BERTError) {
    guard let bias else {
      for r in 0..<rows { (y + r * yStride).update(repeating: 0, count: count) }
      return
    }
    try bias.withFloats { b in
      for r in 0..<rows { (y + r * yStride).update(from: b + first, count: count) }
    }
  }

  /// Writes `rows` outputs: row r of `y` (stride `yStride`) = row r of `x` (stride `xStride`) · Wᵀ + b.
  /// Like torch's `addmm`, the bias is placed in `y` first and the product accumulated onto it.
  func apply(rows: Int, x: UnsafePointer<Float>, xStride: Int, y: UnsafeMutablePointer<Float>, yStride: Int) throws(BERTError) {
    try placeBias(rows: rows, first: 0, count: outFeatures, y: y, yStride: yStride)
    weight.multiplyAdd(rows: rows, columns: 0..<outFeatures, x: x, xStride: xStride, y: y, yStride: yStride)
  }

  /// Writes x · Wᵀ + b like `apply`, block by block, and calls `epilogue(rows, columns)` on each block as soon as
  /// it is computed, while it is in cache (an activation, or adding the residual).
  ///
  /// Each block gets the bias first and the product accumulated onto it, as torch's `addmm` does. The blocks
  /// (``GEMMBlocks``, columns in multiples of 64, so whole packed panels) are spread over ``BLAS/threads`` workers.
  func apply(rows: Int, x: UnsafePointer<Float>, xStride: Int, y: UnsafeMutablePointer<Float>, yStride: Int,
             _ epilogue: (_ rows: Range<Int>, _ columns: Range<Int>) -> Void) throws(BERTError) {
    let blocks = GEMMBlocks(rows: rows, columns: outFeatures, workers: BLAS.threads)
    try placeBias(rows: rows, first: 0, count: outFeatures, y: y, yStride: yStride)
    let weight = self.weight
    Parallel.perform(blocks.count) { index in
      let (r, c) = blocks[index]
      guard !r.isEmpty && !c.isEmpty else { return }
      let corner = y + r.lowerBound * yStride + c.lowerBound
      weight.multiplyAdd(rows: r.count, columns: c, x: x + r.lowerBound * xStride, xStride: xStride, y: corner, yStride: yStride)
      epilogue(r, c)
    }
  }
}

/// How a GEMM's [rows, columns] output is cut into blocks for ``Linear/apply(rows:x:xStride:y:yStride:_:)``.
///
/// Many rows (a batch) are cut into one block of rows per worker: every row block packs the whole weight matrix
/// again (measured at batch 8: with two blocks per worker, packing grew to 11 % of the samples and the pass took
/// 4 % longer).
/// Few rows (one sequence) are cut into groups of columns, two per worker, so that each block packs only its share
/// of the weights and a worker slowed by other load on its core holds up a quarter of the product, not half.
struct GEMMBlocks {
  let rows: Int
  let columns: Int
  let rowBlocks: Int
  let columnBlocks: Int

  /// Column blocks per worker.
  static let perWorker = 2
  /// Rows cut by rows only when every worker gets at least this many.
  static let minimumRowsPerBlock = 128

  init(rows: Int, columns: Int, workers: Int) {
    self.rows = rows
    self.columns = columns
    let wanted = workers > 1 ? workers * GEMMBlocks.perWorker : 1
    if workers > 1 && rows >= workers * GEMMBlocks.minimumRowsPerBlock {
      (rowBlocks, columnBlocks) = (workers, 1)
    } else {
      // Columns in multiples of 64 (whole cache lines, and whole kernel tiles of OpenBLAS).
      (rowBlocks, columnBlocks) = (1, max(1, min(wanted, columns / 64)))
    }
  }

  var count: Int { rowBlocks * columnBlocks }

  subscript(index: Int) -> (rows: Range<Int>, columns: Range<Int>) {
    let (i, j) = index.quotientAndRemainder(dividingBy: columnBlocks)
    func cut(_ total: Int, _ parts: Int, _ part: Int, multiple: Int) -> Range<Int> {
      let units = (total + multiple - 1) / multiple
      let lower = min(total, units * part / parts * multiple)
      let upper = part == parts - 1 ? total : min(total, units * (part + 1) / parts * multiple)
      return lower..<upper
    }
    return (cut(rows, rowBlocks, i, multiple: 16), cut(columns, columnBlocks, j, multiple: 64))
  }
}
