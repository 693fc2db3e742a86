import CGEMM
import Foundation
import Testing
import TestSupport
@testable import BERT

@Suite("Packed-weight GEMM")
struct PackedGEMMTests {
  /// C = bias + A·Wᵀ in double precision.
  static func reference(_ a: [Float], _ w: [Float], _ bias: [Float], m: Int, n: Int, k: Int) -> [Double] {
    var c = [Double](repeating: 0, count: m * n)
    for i in 0..<m {
      for j in 0..<n {
        var sum = Double(bias[j])
        for kk in 0..<k { sum += Double(a[i * k + kk]) * Double(w[j * k + kk]) }
        c[i * n + j] = sum
      }
    }
    return c
  }

  @Test("every shape, tile edge and column block agrees with a double-precision product",
        arguments: [(1, 1, 1), (1, 2, 32), (3, 31, 7), (4, 32, 3), (8, 64, 9), (10, 40, 6), (12, 32, 16), (13, 33, 5), (25, 70, 40), (128, 96, 64), (7, 200, 129)])
  func shapes(m: Int, n: Int, k: Int) throws {
    var rng = SplitMix64(seed: UInt64(m * 1_000_003 + n * 1009 + k))
    let a = (0..<(m * k)).map { _ in rng.nextFloat() }
    let w = (0..<(n * k)).map { _ in rng.nextFloat() }
    let b = (0..<n).map { _ in rng.nextFloat() }
    let weight = FloatBuffer(count: n * k)
    weight.pointer.update(from: w, count: n * k)
    let bias = FloatBuffer(count: n)
    bias.pointer.update(from: b, count: n)
    let linear = try Linear(weight: WeightTensor(name: "w", shape: [n, k], owned: weight),
                            bias: WeightTensor(name: "b", shape: [n], owned: bias))
    let expected = PackedGEMMTests.reference(a, w, b, m: m, n: n, k: k)
    // The whole product, and the blocked path with its epilogue seeing every block exactly once.
    var whole = [Float](repeating: .nan, count: m * n)
    try a.withUnsafeBufferPointer { x in
      try whole.withUnsafeMutableBufferPointer { y in
        try linear.apply(rows: m, x: x.baseAddress!, xStride: k, y: y.baseAddress!, yStride: n)
      }
    }
    var blocked = [Float](repeating: .nan, count: m * n)
    let seen = Counter()
    try a.withUnsafeBufferPointer { x in
      try blocked.withUnsafeMutableBufferPointer { y in
        try linear.apply(rows: m, x: x.baseAddress!, xStride: k, y: y.baseAddress!, yStride: n) { rows, columns in
          seen.add(rows.count * columns.count)
        }
      }
    }
    #expect(seen.value == m * n)
    for (name, got) in [("whole", whole), ("blocked", blocked)] {
      let worst = zip(got, expected).map { abs(Double($0) - $1) }.max() ?? 0
      #expect(worst <= 1e-5 * Double(k), "\(name) \(m)×\(n)×\(k): max error \(worst)")
    }
    #expect(whole == blocked)
  }

  @Test("the kernel for this CPU is named")
  func kernelName() {
    #expect(["avx512f", "avx2", "generic"].contains(PackedWeight.kernel))
  }
}

private final class Counter: @unchecked Sendable {
  private var total = 0
  private let lock = NSLock()
  func add(_ n: Int) { lock.withLock { total += n } }
  var value: Int { lock.withLock { total } }
}

extension SplitMix64 {
  /// A value in [-1, 1).
  mutating func nextFloat() -> Float { Float(next() >> 40) / Float(1 << 23) - 1 }
}

@Suite("AVX-512 GELU")
struct VectorGELUTests {
  @Test("the C GELU gives the Swift VectorMath.gelu's bits for every value class and tail length")
  func sameBits() throws {
    var rng = SplitMix64(seed: 7)
    var values: [Float] = [0, -0, 1, -1, 9, -9, 12.7, -12.7, 100, -100, .infinity, -.infinity, .nan,
                           .leastNonzeroMagnitude, -.leastNonzeroMagnitude, .greatestFiniteMagnitude, -.greatestFiniteMagnitude]
    values += (0..<4000).map { _ in Float(bitPattern: UInt32(truncatingIfNeeded: rng.next())) }.filter { !$0.isNaN }
    values += (0..<4000).map { _ in rng.nextFloat() * 12 }
    for length in [values.count, 1, 15, 16, 17, 31] {
      var fast = Array(values.prefix(length))
      var swift = fast
      let ran = fast.withUnsafeMutableBufferPointer { cgemm_gelu_erf($0.baseAddress!, $0.count) } == 1
      guard ran else {
        #expect(PackedWeight.kernel != "avx512f", "the AVX-512 GELU did not run on an AVX-512 CPU")
        return
      }
      swift.withUnsafeMutableBufferPointer { VectorMath.map($0.baseAddress!, count: $0.count) { VectorMath.gelu($0) } }
      for (i, (a, b)) in zip(fast, swift).enumerated() where a.bitPattern != b.bitPattern && !(a.isNaN && b.isNaN) {
        Issue.record("GELU(\(values[i])) = \(a) in C, \(b) in Swift")
        return
      }
    }
  }
}
