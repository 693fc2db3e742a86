import Support
import Checkpoint
import Foundation
import Models
import SafeTensors
import Support

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
  /// Bytes per write when a tensor is copied unchanged. Sources read through ``SourceTensor/readOnce(chunkBytes:_:)``
  /// leave resident memory chunk by chunk, so a conversion's footprint stays near this, not the model's size.
  static let copyChunkBytes = 1 << 22

  /// The `__metadata__` of a canonical file.
  public static func metadata(for config: ModelConfig) -> [String: String] {
    ["format": "pt", "config": config.canonicalJSON]
  }

  /// Writes `plan` to `path` as `dtype`. The file appears at `path` only once complete.
  /// - Parameter sink: the output format (the canonical safetensors file unless another ``TensorSink`` is given).
  /// - Throws: ``ConvertError`` `.source` for unreadable source tensors (the reader's error is its cause),
  ///   `.output` for write failures.
  @discardableResult
  public static func write(_ plan: ModelPlan, dtype target: TargetDType, to path: String,
                           sink: TensorSinkFactory = SafeTensorsSink.factory,
                           progress: ConversionProgress? = nil) throws(ConvertError) -> ConversionReport {
    let dtype = target.resolve(sourceTypes: Set(plan.tensors.map(\.source.dtype)))
    return try write(plan.tensors, of: plan, dtype: dtype, to: path, sink: sink,
                     progress: progress.map { ProgressTally(tensors: plan.tensors, dtype: dtype, report: $0) })
  }

  /// Writes `tensors` (all of `plan`, or one shard's share) to `path` as `dtype`.
  static func write(_ tensors: [CanonicalTensor], of plan: ModelPlan, dtype: DType, to path: String,
                    sink makeSink: TensorSinkFactory, progress: ProgressTally? = nil) throws(ConvertError) -> ConversionReport {
    let headers = tensors.map { TensorHeader(name: $0.name, dtype: dtype, shape: $0.shape) }
    var overflows: [(String, Int)] = []
    let sha256: String
    let byteCount: Int
    // Which tensor is being read, so a reader's failure names it and keeps its own file and location.
    var reading: CanonicalTensor?
    do {
      let writer = try makeSink(path, headers, metadata(for: plan.config))
      let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: chunkElements * 4, alignment: 64)
      defer { buffer.deallocate() }
      for tensor in tensors {
        defer { progress?.wrote(tensor, as: dtype) }
        let source = tensor.source
        reading = tensor
        var overflow = 0
        if source.dtype == dtype, let (file, range) = source.storedSlice, range.count == tensor.shape.reduce(dtype.byteWidth, *),
           try writer.copy(from: file, range: range) {
          // Copied by the kernel.
        } else if source.dtype == dtype {
          try source.readOnce(chunkBytes: copyChunkBytes) { try writer.write($0) }
        } else {
          try source.readOnce(chunkBytes: chunkElements * source.dtype.byteWidth) { input in
            let count = input.count / source.dtype.byteWidth
            overflow += DTypeCast.convert(input, from: source.dtype, to: dtype, into: buffer, count: count)
            try writer.write(UnsafeRawBufferPointer(rebasing: buffer[0..<(count * dtype.byteWidth)]))
          }
        }
        if overflow > 0 { overflows.append((tensor.name, overflow)) }
      }
      reading = nil
      (byteCount, sha256) = try writer.finish()
    } catch let error as ConvertError {
      throw error
    } catch let error as SafeTensorsError where reading == nil || error.file == path {
      throw ConvertError(.output, file: error.file, "\(error.code.rawValue): \(error.detail)")
    } catch let error as any ContextualError {
      // A source reader's failure (HDF5, PyTorch, a shard): its file, tensor and location, not the output's.
      var wrapped = ConvertError(.source, wrapping: error, file: reading?.source.file ?? path)
      if wrapped.tensor == nil { wrapped.tensor = reading?.source.name }
      throw wrapped
    } catch {
      throw ConvertError(.output, file: path, "\(error)")
    }
    return ConversionReport(path: path, dtype: dtype, tensorCount: headers.count, byteCount: byteCount, sha256: sha256, parameterCount: tensors.reduce(0) { $0 + $1.shape.reduce(1, *) }, overflows: overflows)
  }
}

extension CanonicalWriter {
  /// Splits `plan` into shards of at most `maxBytes` each (a larger tensor gets a shard of its own) and writes
  /// `model-0000i-of-0000N.safetensors` plus `model.safetensors.index.json` into `directory`.
  /// - Returns: the shards' totals, with the index's path and each shard's SHA-256 (comma-separated).
  static func writeSharded(_ plan: ModelPlan, dtype target: TargetDType, maxBytes: Int, into directory: String,
                           sink: TensorSinkFactory = SafeTensorsSink.factory,
                           progress: ConversionProgress? = nil) throws(ConvertError) -> ConversionReport
  {
    let dtype = target.resolve(sourceTypes: Set(plan.tensors.map(\.source.dtype)))
    var shards: [[CanonicalTensor]] = [[]]
    var size = 0
    for tensor in plan.tensors {
      let bytes = tensor.shape.reduce(dtype.byteWidth, *)
      if !shards[shards.count - 1].isEmpty && size + bytes > maxBytes {
        shards.append([])
        size = 0
      }
      shards[shards.count - 1].append(tensor)
      size += bytes
    }
    func name(_ i: Int) -> String {
      func pad(_ n: Int) -> String { let s = String(n); return String(repeating: "0", count: max(0, 5 - s.count)) + s }
      return "model-\(pad(i + 1))-of-\(pad(shards.count)).safetensors"
    }
    var reports: [ConversionReport] = []
    let tally = progress.map { ProgressTally(tensors: plan.tensors, dtype: dtype, report: $0) }
    var weightMap: [(String, JSONValue)] = []
    for (i, shard) in shards.enumerated() {
      reports.append(try write(shard, of: plan, dtype: dtype, to: directory + "/" + name(i), sink: sink,
                               progress: tally))
      weightMap += shard.map { ($0.name, .string(name(i))) }
    }
    let total = plan.tensors.reduce(0) { $0 + $1.shape.reduce(dtype.byteWidth, *) }
    let index = JSONValue.object([
      ("metadata", .object([("total_size", .number(String(total)))])), ("weight_map", .object(weightMap)),
    ])
    let path = directory + "/model.safetensors.index.json"
    do {
      try AtomicFile.write(Array((index.canonicalText + "\n").utf8), to: path)
    } catch {
      throw ConvertError(.output, file: path, "cannot write the index: \(error.detail)")
    }
    return ConversionReport(path: path, dtype: dtype, tensorCount: plan.tensors.count,
                            byteCount: reports.reduce(0) { $0 + $1.byteCount }, sha256: reports.map(\.sha256).joined(separator: ","),
                            parameterCount: plan.parameterCount, overflows: reports.flatMap(\.overflows))
  }
}
