/// zlib decompression (RFC 1950 wrapper around RFC 1951 deflate), for the compressed tokenizer goldens that
/// golden/tokenizer/make_offsets.py and make_families.py write with Python's `zlib.compress`. Decodes one bit at
/// a time with canonical Huffman tables, as zlib's reference `puff.c` does: slow, simple, and fine for a few
/// hundred kilobytes. Malformed input throws.
enum Inflate {
  struct Failure: Error, CustomStringConvertible {
    var description: String
  }

  static func zlib(_ data: [UInt8]) throws -> [UInt8] {
    guard data.count >= 6, data[0] & 0x0F == 8, (Int(data[0]) << 8 | Int(data[1])) % 31 == 0, data[1] & 0x20 == 0 else {
      throw Failure(description: "not a zlib stream")
    }
    var reader = BitReader(data: data, position: 2)
    let out = try inflate(&reader)
    let p = reader.position
    guard p + 4 <= data.count else { throw Failure(description: "no adler32") }
    let expected = UInt32(data[p]) << 24 | UInt32(data[p + 1]) << 16 | UInt32(data[p + 2]) << 8 | UInt32(data[p + 3])
    var a: UInt32 = 1, b: UInt32 = 0
    for byte in out {
      a = (a + UInt32(byte)) % 65521
      b = (b + a) % 65521
    }
    guard b << 16 | a == expected else { throw Failure(description: "adler32 mismatch") }
    return out
  }

  private struct BitReader {
    let data: [UInt8]
    var position: Int
    var buffer = 0
    var count = 0

    mutating func bits(_ n: Int) throws -> Int {
      while count < n {
        guard position < data.count else { throw Failure(description: "truncated stream") }
        buffer |= Int(data[position]) << count
        position += 1
        count += 8
      }
      let value = buffer & ((1 << n) - 1)
      buffer >>= n
      count -= n
      return value
    }

    mutating func alignToByte() {
      buffer = 0
      count = 0
    }
  }

  private struct Huffman {
    var counts = [Int](repeating: 0, count: 16)
    var symbols: [Int] = []

    init(lengths: [Int]) throws {
      for length in lengths { counts[length] += 1 }
      counts[0] = 0
      var offsets = [Int](repeating: 0, count: 16)
      for len in 1..<15 { offsets[len + 1] = offsets[len] + counts[len] }
      symbols = [Int](repeating: 0, count: lengths.count)
      for (symbol, length) in lengths.enumerated() where length != 0 {
        symbols[offsets[length]] = symbol
        offsets[length] += 1
      }
    }

    func decode(_ reader: inout BitReader) throws -> Int {
      var code = 0, first = 0, index = 0
      for len in 1...15 {
        code |= try reader.bits(1)
        let count = counts[len]
        if code - count < first { return symbols[index + (code - first)] }
        index += count
        first += count
        first <<= 1
        code <<= 1
      }
      throw Failure(description: "bad Huffman code")
    }
  }

  private static let lengthBase = [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258]
  private static let lengthExtra = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0]
  private static let distanceBase = [1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049,
                                     3073, 4097, 6145, 8193, 12289, 16385, 24577]
  private static let distanceExtra = [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13]

  private static func inflate(_ reader: inout BitReader) throws -> [UInt8] {
    var out: [UInt8] = []
    var last = 0
    repeat {
      last = try reader.bits(1)
      switch try reader.bits(2) {
      case 0:
        reader.alignToByte()
        let p = reader.position
        guard p + 4 <= reader.data.count else { throw Failure(description: "truncated stored block") }
        let length = Int(reader.data[p]) | Int(reader.data[p + 1]) << 8
        guard p + 4 + length <= reader.data.count else { throw Failure(description: "truncated stored block") }
        out += reader.data[(p + 4)..<(p + 4 + length)]
        reader.position = p + 4 + length
      case 1:
        let lengths = [Int](repeating: 8, count: 144) + [Int](repeating: 9, count: 112) + [Int](repeating: 7, count: 24)
          + [Int](repeating: 8, count: 8)
        try codes(&reader, &out, try Huffman(lengths: lengths), try Huffman(lengths: [Int](repeating: 5, count: 30)))
      case 2:
        let literalCount = try reader.bits(5) + 257, distanceCount = try reader.bits(5) + 1, codeCount = try reader.bits(4) + 4
        let order = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15]
        var codeLengths = [Int](repeating: 0, count: 19)
        for k in 0..<codeCount { codeLengths[order[k]] = try reader.bits(3) }
        let lengthCode = try Huffman(lengths: codeLengths)
        var lengths: [Int] = []
        while lengths.count < literalCount + distanceCount {
          let symbol = try lengthCode.decode(&reader)
          switch symbol {
          case 0..<16: lengths.append(symbol)
          case 16:
            guard let previous = lengths.last else { throw Failure(description: "repeat with no previous length") }
            lengths += repeatElement(previous, count: 3 + (try reader.bits(2)))
          case 17: lengths += repeatElement(0, count: 3 + (try reader.bits(3)))
          default: lengths += repeatElement(0, count: 11 + (try reader.bits(7)))
          }
        }
        guard lengths.count == literalCount + distanceCount else { throw Failure(description: "too many lengths") }
        try codes(&reader, &out, try Huffman(lengths: Array(lengths[..<literalCount])), try Huffman(lengths: Array(lengths[literalCount...])))
      default:
        throw Failure(description: "reserved block type")
      }
    } while last == 0
    return out
  }

  private static func codes(_ reader: inout BitReader, _ out: inout [UInt8], _ literals: Huffman, _ distances: Huffman) throws {
    while true {
      let symbol = try literals.decode(&reader)
      if symbol < 256 {
        out.append(UInt8(symbol))
      } else if symbol == 256 {
        return
      } else {
        let k = symbol - 257
        guard k < lengthBase.count else { throw Failure(description: "bad length symbol") }
        let length = lengthBase[k] + (try reader.bits(lengthExtra[k]))
        let d = try distances.decode(&reader)
        guard d < distanceBase.count else { throw Failure(description: "bad distance symbol") }
        let distance = distanceBase[d] + (try reader.bits(distanceExtra[d]))
        guard distance <= out.count else { throw Failure(description: "distance too far back") }
        let start = out.count - distance
        for i in 0..<length { out.append(out[start + i]) }
      }
    }
  }
}
