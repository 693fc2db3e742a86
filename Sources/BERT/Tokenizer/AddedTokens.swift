/// A token matched in the text before the model sees it: tokenizer.json's `added_tokens` (the special tokens
/// `[CLS]`, `[SEP]`, `[MASK]`… among them), or the special tokens transformers adds when it builds the fast
/// tokenizer from vocab.txt.
struct AddedToken: Sendable, Equatable {
  var content: String
  var id: Int32
  /// Must not touch a word character (regex `\w`) on either side.
  var singleWord = false
  /// Swallows the whitespace on its left.
  var lstrip = false
  /// Swallows the whitespace on its right.
  var rstrip = false
  /// Matched in the normalized text (its content normalized too) instead of the raw text.
  var normalized = false
  var special = false
}

/// One piece of a text split at added tokens.
enum AddedTokenSplit: Equatable {
  case text(Range<Int>)
  /// A token and the bytes it covers (the whitespace `lstrip` and `rstrip` swallow included).
  case token(Int32, Range<Int>)
}

/// tokenizers' `AddedVocabulary.find_matches`: leftmost-longest, non-overlapping matches of the tokens' UTF-8
/// (Aho-Corasick `LeftmostLongest`), with the `single_word`, `lstrip` and `rstrip` rules applied to each match.
struct AddedTokenMatcher: Sendable {
  private struct Pattern: Sendable {
    var bytes: [UInt8]
    var token: AddedToken
  }

  /// Patterns by first byte, longest first.
  private let byFirstByte: [[Pattern]]
  let isEmpty: Bool

  /// - Parameter patterns: each token with the bytes to look for (its content, or its normalized content).
  init(_ patterns: [(bytes: [UInt8], token: AddedToken)]) {
    var table = [[Pattern]](repeating: [], count: 256)
    for (bytes, token) in patterns where !bytes.isEmpty {
      table[Int(bytes[0])].append(Pattern(bytes: bytes, token: token))
    }
    for i in 0..<256 {
      // Longest first; among equal lengths the earlier token wins, as in the automaton.
      table[i] = table[i].enumerated().sorted { a, b in
        a.element.bytes.count != b.element.bytes.count ? a.element.bytes.count > b.element.bytes.count : a.offset < b.offset
      }.map(\.element)
    }
    byFirstByte = table
    isEmpty = patterns.allSatisfy { $0.bytes.isEmpty }
  }

  /// Splits `text` into the pieces between matches and the matched tokens, covering all of it in order.
  func split(_ text: UnsafeBufferPointer<UInt8>, tables: CharacterTables) -> [AddedTokenSplit] {
    guard let p = text.baseAddress, !isEmpty else { return [.text(0..<text.count)] }
    let n = text.count
    var pieces: [AddedTokenSplit] = []
    var emitted = 0  // end of what `pieces` covers
    var i = 0
    search: while i < n {
      let candidates = byFirstByte[Int(p[i])]
      if candidates.isEmpty {
        i += 1
        continue
      }
      for pattern in candidates {
        let m = pattern.bytes.count
        guard m <= n - i, pattern.bytes.withUnsafeBufferPointer({ memcmp($0.baseAddress!, p + i, m) == 0 }) else { continue }
        var start = i, stop = i + m
        i = stop  // the automaton resumes after the match, kept or not
        let token = pattern.token
        if token.singleWord {
          let wordBefore = start > 0 && tables.properties(scalar(before: start, in: p)).contains(.word)
          var j = stop
          let wordAfter = stop < n && tables.properties(decodeUTF8(p, at: &j)).contains(.word)
          if wordBefore || wordAfter { continue search }
        }
        if token.lstrip {
          while start > emitted {
            var k = start - 1
            while k > 0, p[k] & 0xC0 == 0x80 { k -= 1 }
            var j = k
            guard tables.properties(decodeUTF8(p, at: &j)).contains(.regexSpace) else { break }
            start = k
          }
        }
        if token.rstrip {
          while stop < n {
            var j = stop
            guard tables.properties(decodeUTF8(p, at: &j)).contains(.regexSpace) else { break }
            stop = j
          }
        }
        if emitted < start { pieces.append(.text(emitted..<start)) }
        pieces.append(.token(token.id, start..<stop))
        emitted = stop
        continue search
      }
      i += 1
    }
    if emitted < n || pieces.isEmpty { pieces.append(.text(emitted..<n)) }
    return pieces
  }

  private func scalar(before index: Int, in p: UnsafePointer<UInt8>) -> UInt32 {
    var k = index - 1
    while k > 0, p[k] & 0xC0 == 0x80 { k -= 1 }
    return decodeUTF8(p, at: &k)
  }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
