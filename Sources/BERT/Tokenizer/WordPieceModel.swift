/// tokenizers' `WordPiece` model: greedy longest-match-first over one pre-tokenized word.
struct WordPieceModel: Sendable {
  let vocabulary: Vocabulary
  /// The id of `unk_token`.
  let unknownID: Int32
  /// A word of more characters (Unicode scalars) than this is one unknown token.
  let maxInputCharsPerWord: Int

  /// Appends the ids of one word, and the end (byte offset in the word) of each piece to `ends`.
  ///
  /// From each start, the longest vocabulary entry the rest of the word begins with (a continuation entry
  /// after the first piece); if some start has none, the **whole word** is one unknown token: nothing is
  /// appended and the result is `false`.
  /// - Parameters:
  ///   - word: the word's UTF-8 bytes, at most `maxInputCharsPerWord` characters.
  @inline(__always)
  func tokenize(_ word: UnsafeBufferPointer<UInt8>, into ids: inout [Int32], ends: inout [Int]) -> Bool {
    guard let base = word.baseAddress else { return true }
    let endMark = ends.count
    let n = word.count
    let mark = ids.count
    var start = 0
    while start < n {
      let continuation = start > 0
      let longest = continuation ? vocabulary.maxContinuationLength : vocabulary.maxHeadLength
      var end = n &- start > longest ? start &+ longest : n
      // Back to a character boundary: never split a UTF-8 sequence.
      while end < n, end > start, base[end] & 0xC0 == 0x80 { end &-= 1 }
      var id: Int32 = -1
      while end > start {
        id = vocabulary.lookup(base + start, end &- start, continuation: continuation)
        if id >= 0 { break }
        end &-= 1
        while end > start, base[end] & 0xC0 == 0x80 { end &-= 1 }
      }
      if id < 0 {
        ids.removeSubrange(mark...)
        ends.removeSubrange(endMark...)
        return false
      }
      ids.append(id)
      ends.append(end)
      start = end
    }
    return true
  }
}
