#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The WordPiece vocabulary as an open-addressing hash table keyed by UTF-8 bytes, so a candidate piece is
/// looked up straight from the word buffer: no `String`, and no `##` glued in front of continuation pieces.
///
/// Every token is a *head* key (a piece that starts a word); a token that starts with the continuing-subword
/// prefix is also a *continuation* key, stored without the prefix.
final class Vocabulary: @unchecked Sendable {
  // @unchecked: written in `init` only; the buffers are owned and freed here.

  private struct Entry {
    var start: UInt32
    var length: UInt32
    var id: Int32
    var continuation: Bool
  }

  private let keyBytes: UnsafeMutableBufferPointer<UInt8>
  private let entries: UnsafeMutableBufferPointer<Entry>
  /// 0 = empty; otherwise the hash's high 32 bits, then `entry index + 1` in the low 32 bits.
  private let slots: UnsafeMutableBufferPointer<UInt64>
  private let mask: Int
  /// The longest head key, in bytes: longer candidates need no lookup.
  let maxHeadLength: Int
  /// The longest continuation key (prefix excluded), in bytes.
  let maxContinuationLength: Int
  /// Number of distinct tokens.
  let count: Int
  private let ids: [String: Int32]

  /// - Parameters:
  ///   - tokens: token → id; a token listed twice keeps its last id.
  ///   - continuingSubwordPrefix: what marks a piece that continues a word (`##`).
  init(_ tokens: [String: Int32], continuingSubwordPrefix: String) {
    ids = tokens
    count = tokens.count
    let prefix = Array(continuingSubwordPrefix.utf8)
    var bytes: [UInt8] = []
    var list: [Entry] = []
    var maxHead = 0, maxContinuation = 0
    bytes.reserveCapacity(tokens.count * 8)
    list.reserveCapacity(tokens.count + tokens.count / 4)
    for (token, id) in tokens {
      let start = bytes.count
      bytes.append(contentsOf: token.utf8)
      let length = bytes.count - start
      list.append(Entry(start: UInt32(start), length: UInt32(length), id: id, continuation: false))
      maxHead = max(maxHead, length)
      if !prefix.isEmpty, length > prefix.count, bytes[start..<(start + prefix.count)].elementsEqual(prefix) {
        let rest = length - prefix.count
        list.append(Entry(start: UInt32(start + prefix.count), length: UInt32(rest), id: id, continuation: true))
        maxContinuation = max(maxContinuation, rest)
      }
    }
    maxHeadLength = maxHead
    maxContinuationLength = maxContinuation
    keyBytes = .allocate(capacity: max(bytes.count, 1))
    _ = keyBytes.initialize(from: bytes)
    entries = .allocate(capacity: max(list.count, 1))
    _ = entries.initialize(from: list)
    var capacity = 16
    while capacity < list.count * 2 { capacity <<= 1 }
    mask = capacity - 1
    slots = .allocate(capacity: capacity)
    slots.initialize(repeating: 0)
    for (index, entry) in list.enumerated() {
      let h = Self.hash(UnsafePointer(keyBytes.baseAddress! + Int(entry.start)), Int(entry.length), continuation: entry.continuation)
      var slot = Int(truncatingIfNeeded: h) & mask
      while slots[slot] != 0 { slot = (slot &+ 1) & mask }
      slots[slot] = (h & 0xFFFF_FFFF_0000_0000) | UInt64(index + 1)
    }
  }

  deinit {
    keyBytes.deallocate()
    entries.deallocate()
    slots.deallocate()
  }

  /// The id of a whole token, as HuggingFace's `token_to_id` finds it in the model vocabulary.
  func id(of token: String) -> Int32? { ids[token] }

  /// The id of the piece `bytes[0..<length]`, looked up as a head or (prefix implied) continuation piece;
  /// -1 when the vocabulary lacks it.
  @inline(__always)
  func lookup(_ bytes: UnsafePointer<UInt8>, _ length: Int, continuation: Bool) -> Int32 {
    let h = Self.hash(bytes, length, continuation: continuation)
    let tag = h & 0xFFFF_FFFF_0000_0000
    var slot = Int(truncatingIfNeeded: h) & mask
    while true {
      let value = slots[slot]
      if value == 0 { return -1 }
      if value & 0xFFFF_FFFF_0000_0000 == tag {
        let entry = entries[Int(value & 0xFFFF_FFFF) - 1]
        if Int(entry.length) == length, entry.continuation == continuation,
           memcmp(keyBytes.baseAddress! + Int(entry.start), bytes, length) == 0 {
          return entry.id
        }
      }
      slot = (slot &+ 1) & mask
    }
  }

  /// A 64-bit mix of the bytes, eight at a time; head and continuation keys hash apart.
  @inline(__always)
  private static func hash(_ p: UnsafePointer<UInt8>, _ n: Int, continuation: Bool) -> UInt64 {
    var h: UInt64 = (continuation ? 0x6A09_E667_F3BC_C909 : 0x9E37_79B9_7F4A_7C15) ^ (UInt64(n) &* 0xC2B2_AE3D_27D4_EB4F)
    let raw = UnsafeRawPointer(p)
    var i = 0
    while i &+ 8 <= n {
      h = (h ^ raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)) &* 0xFF51_AFD7_ED55_8CCD
      h ^= h &>> 32
      i &+= 8
    }
    if i < n {
      var tail: UInt64 = 0
      var shift: UInt64 = 0
      while i < n {
        tail |= UInt64(p[i]) &<< shift
        shift &+= 8
        i &+= 1
      }
      h = (h ^ tail) &* 0xC4CE_B9FE_1A85_EC53
    }
    h ^= h &>> 33
    h &*= 0xFF51_AFD7_ED55_8CCD
    h ^= h &>> 29
    return h
  }
}
