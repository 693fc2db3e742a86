import Checkpoint
import SafeTensors

/// What a conversion wrote.
public struct ConversionReport: Sendable {
  public var path: String
  public var dtype: DType
  public var tensorCount: Int
  /// Bytes of the canonical file.
  public var byteCount: Int
  /// SHA-256 of the canonical file.
  public var sha256: String
  public var parameterCount: Int
  /// Tensors where finite values overflowed to ±infinity in the cast to f16, with how many.
  public var overflows: [(tensor: String, count: Int)]
}

/// Streams a ``ModelPlan`` into one canonical safetensors file (docs/FORMAT.md), one tensor at a time.
public enum CanonicalWriter {
  /// Elements converted per chunk when casting, so a cast needs a fixed small buffer, not a tensor-sized one.
  static let chunkElements = 1 << 18

  /// The `__metadata__` of a canonical file.
  public static func metadata(for config: BertConfig) -> [String: String] {
    ["format": "pt", "config": config.canonicalJSON]
  }

  /// Writes `plan` to `path` as `dtype`. The file appears at `path` only once complete.
  /// - Throws: ``ConvertError`` for unreadable source tensors or write failures.
  @discardableResult
  public static func write(_ plan: ModelPlan, dtype target: TargetDType, to path: String) throws(ConvertError) -> ConversionReport {
    let dtype = target.resolve(sourceTypes: Set(plan.tensors.map(\.source.dtype)))
    let headers = plan.tensors.map { TensorHeader(name: $0.name, dtype: dtype, shape: $0.shape) }
    var overflows: [(String, Int)] = []
    let sha256: String
    let byteCount: Int
    do {
      let writer = try SafeTensorsWriter(path: path, tensors: headers, metadata: metadata(for: plan.config))
      let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: chunkElements * 4, alignment: 64)
      defer { buffer.deallocate() }
      for tensor in plan.tensors {
        let source = tensor.source
        let overflow = try source.withContiguousBytes { bytes throws -> Int in
          guard source.dtype != dtype else {
            try writer.write(bytes)
            return 0
          }
          var total = 0
          var start = 0
          while start < source.elementCount {
            let count = min(chunkElements, source.elementCount - start)
            let input = UnsafeRawBufferPointer(rebasing: bytes[(start * source.dtype.byteWidth)...])
            total += DTypeCast.convert(input, from: source.dtype, to: dtype, into: buffer, count: count)
            try writer.write(UnsafeRawBufferPointer(rebasing: buffer[0..<(count * dtype.byteWidth)]))
            start += count
          }
          return total
        }
        if overflow > 0 { overflows.append((tensor.name, overflow)) }
      }
      try writer.finish()
      sha256 = writer.sha256 ?? ""
      byteCount = writer.byteCount
    } catch let error as ConvertError {
      throw error
    } catch let error as SafeTensorsError {
      throw ConvertError(.output, file: error.file, "\(error.code.rawValue): \(error.detail)")
    } catch {
      throw ConvertError(.unsupported, file: path, "\(error)")
    }
    return ConversionReport(path: path, dtype: dtype, tensorCount: headers.count, byteCount: byteCount, sha256: sha256, parameterCount: plan.parameterCount, overflows: overflows)
  }
}
