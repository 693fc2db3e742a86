/// Sixteen `Float` lanes: the unit of the encoder's vectorised element-wise code (LayerNorm, GELU, softmax).
/// Swift compiles for baseline x86-64 (SSE2), so each is four 128-bit registers; sixteen lanes give the
/// out-of-order core independent work to overlap (measured: GELU 3.5 → 3.0 ns a value going from 8 lanes to 16).
typealias FloatVector = SIMD16<Float>
/// The integer lanes of a ``FloatVector``, for bit manipulation.
typealias BitsVector = SIMD16<UInt32>

extension UnsafePointer where Pointee == Float {
  /// The ``FloatVector`` of values from `self + offset` (no alignment needed).
  @inline(__always) func vector(at offset: Int) -> FloatVector {
    UnsafeRawPointer(self + offset).loadUnaligned(as: FloatVector.self)
  }
}

extension UnsafeMutablePointer where Pointee == Float {
  @inline(__always) func vector(at offset: Int) -> FloatVector {
    UnsafeRawPointer(self + offset).loadUnaligned(as: FloatVector.self)
  }

  @inline(__always) func store(_ vector: FloatVector, at offset: Int) {
    UnsafeMutableRawPointer(self + offset).storeBytes(of: vector, as: FloatVector.self)
  }
}

/// Element-wise functions on ``FloatVector``s, each written once and used for every element — including the
/// tail of a row shorter than a vector, which is padded into one — so the result of an element never depends on
/// where it sits in a buffer.
enum VectorMath {
  /// Below this, exp(x) is returned as exactly 0 (e^x would be subnormal): masked attention keys get weight 0.
  static let expLowest: Float = -87.33654

  /// eˣ to about 1 ulp for x ≤ 88 (Cephes `expf`), exactly 0 below ``expLowest``; NaN stays NaN. The encoder
  /// calls it with x ≤ 0 (softmax after subtracting the maximum).
  @inline(__always)
  static func exp(_ x: FloatVector) -> FloatVector {
    let below = x .< expLowest
    return expNormal(x.replacing(with: expLowest, where: below)).replacing(with: 0, where: below)
  }

  /// eˣ for x in [``expLowest``, 88], unchecked: x = n·ln 2 + r with |r| ≤ ½ ln 2, eʳ by Cephes' degree-6
  /// polynomial (evaluated Estrin-style, for a shorter dependency chain than Horner's), 2ⁿ built in the exponent
  /// bits.
  @inline(__always)
  static func expNormal(_ x: FloatVector) -> FloatVector {
    // Adding 1.5·2²³ rounds to an integer held in the low mantissa bits: t's bits are 0x4B40_0000 + n.
    let shifter = FloatVector(repeating: 12_582_912)
    let t = x * 1.442_695_04 + shifter
    let n = t - shifter
    var r = x - n * 0.693_359_375
    r = r + n * 2.121_944_4e-4
    let r2 = r * r
    let q01 = r * 1.666_666_55e-1 + 5.000_000_12e-1
    let q23 = r * 8.333_451_9e-3 + 4.166_579_59e-2
    let q45 = r * 1.987_569_15e-4 + 1.398_199_95e-3
    let y = ((q45 * r2 + q23) * r2 + q01) * r2 + r + 1
    // (0x4B40_0000 + n) · 2²³ wraps to n · 2²³; adding 127 · 2²³ makes the float 2ⁿ (n ∈ [−126, 127]).
    let scale = unsafeBitCast(t, to: BitsVector.self) &* (1 << 23) &+ (127 << 23)
    return y * unsafeBitCast(scale, to: FloatVector.self)
  }

  /// GELU with the exact erf, x · ½ · (1 + erf(x / √2)) = x · ½ · erfc(−x / √2), the function torch's `gelu`
  /// computes. erfc is Numerical Recipes' `erfcc` (relative error below 1.2·10⁻⁷ on all of ℝ): with a = |x|/√2
  /// and t = 1 / (1 + a/2), h = ½·erfc(a) = ½·t·exp(−a² + P(t)), P of degree 9; then GELU is x·(1 − h) for
  /// x ≥ 0 and x·h below. Evaluating erfc, not 1 + erf, keeps the relative accuracy where x < 0 makes the
  /// result tiny (measured against a double-precision erfc: absolute error below 4·10⁻⁷ on [−20, 20], relative
  /// error below 4·10⁻⁶ on [−6, 6]). a is clamped at 9, where erfc(9) ≈ 4·10⁻³⁷ is 0 for
  /// every purpose, so exp never underflows; signs are moved with bit operations, not selects.
  @inline(__always)
  static func gelu(_ x: FloatVector) -> FloatVector {
    let bits = unsafeBitCast(x, to: BitsVector.self)
    let sign = bits & 0x8000_0000
    let magnitude = unsafeBitCast(bits & 0x7FFF_FFFF, to: FloatVector.self) * 0.707_106_781_186_547_52
    let a = magnitude.replacing(with: 9, where: magnitude .> 9)
    let t = 1 / (a * 0.5 + 1)
    let t2 = t * t
    let t4 = t2 * t2
    let q01 = t * 1.000_023_68 - 1.265_512_23
    let q23 = t * 0.096_784_18 + 0.374_091_96
    let q45 = t * 0.278_868_07 - 0.186_288_06
    let q67 = t * 1.488_515_87 - 1.135_203_98
    let q89 = t * 0.170_872_77 - 0.822_152_23
    let p = ((q67 * t2 + q45) * t4 + (q23 * t2 + q01)) + q89 * (t4 * t4)
    let h = t * expNormal(p - a * a) * 0.5
    // 1 for x ≥ 0, 0 for x < 0: ±0.5 + 0.5 with x's sign.
    let step = unsafeBitCast(sign | 0x3F00_0000, to: FloatVector.self) + 0.5
    // −h for x ≥ 0, +h for x < 0 (h ≥ 0).
    let signedH = unsafeBitCast(unsafeBitCast(h, to: BitsVector.self) | (sign ^ 0x8000_0000), to: FloatVector.self)
    return x * (step + signedH)
  }

  /// `body` applied to `count` values in place, a vector at a time; the tail is padded into a vector.
  @inline(__always)
  static func map(_ values: UnsafeMutablePointer<Float>, count: Int, _ body: (FloatVector) -> FloatVector) {
    let width = FloatVector.scalarCount
    var i = 0
    while i + width <= count {
      values.store(body(values.vector(at: i)), at: i)
      i += width
    }
    if i < count {
      var tail = FloatVector()
      for j in 0..<(count - i) { tail[j] = values[i + j] }
      let result = body(tail)
      for j in 0..<(count - i) { values[i + j] = result[j] }
    }
  }

  /// values *= factor, `count` of them.
  @inline(__always)
  static func scale(_ values: UnsafeMutablePointer<Float>, count: Int, by factor: Float) {
    let width = FloatVector.scalarCount
    let f = FloatVector(repeating: factor)
    var i = 0
    while i + width <= count {
      values.store(values.vector(at: i) * f, at: i)
      i += width
    }
    while i < count {
      values[i] *= factor
      i += 1
    }
  }

  /// values += addend, `count` of them.
  @inline(__always)
  static func add(_ addend: UnsafePointer<Float>, to values: UnsafeMutablePointer<Float>, count: Int) {
    var i = 0
    while i + FloatVector.scalarCount <= count {
      values.store(values.vector(at: i) + addend.vector(at: i), at: i)
      i += FloatVector.scalarCount
    }
    while i < count {
      values[i] += addend[i]
      i += 1
    }
  }

  /// The sum of `count` values, accumulated in 2 × 16 lanes (as torch's vectorised reductions accumulate in
  /// lanes) and then added up.
  @inline(__always)
  static func sum(_ values: UnsafePointer<Float>, count: Int) -> Float {
    let width = FloatVector.scalarCount
    var (low, high) = (FloatVector(), FloatVector())
    var i = 0
    while i + 2 * width <= count {
      low += values.vector(at: i)
      high += values.vector(at: i + width)
      i += 2 * width
    }
    var total = (low + high).sum()
    while i < count {
      total += values[i]
      i += 1
    }
    return total
  }
}
