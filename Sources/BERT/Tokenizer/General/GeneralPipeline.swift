/// The tokenizers pipeline for any supported tokenizer.json (byte-level BPE, Unigram, WordPiece with other
/// parts): added tokens split off the raw text, then per piece the normalizer, normalized added tokens, the
/// pre-tokenizer and the model, with every token's span carried through the alignments.
///
/// BERT's own tokenizers (BertNormalizer + BertPreTokenizer + WordPiece) take the streaming path in
/// ``Tokenizer`` instead, which gives the same result faster.
struct GeneralPipeline: Sendable {
  var normalizer: GeneralNormalizer?
  var preTokenizer: GeneralPreTokenizer?
  var model: GeneralModel
  var rawTokens: AddedTokenMatcher
  var normalizedTokens: AddedTokenMatcher

  func pieces(_ text: String, tables: CharacterTables) -> TokenPieces {
    var text = text
    return text.withUTF8 { bytes in
      var pieces = TokenPieces()
      var offsets = ScalarOffsets(bytes)
      for piece in rawTokens.split(bytes, tables: tables) {
        switch piece {
        case .token(let id, let range):
          let start = offsets.index(range.lowerBound)
          pieces.append(id, TokenSpan(start: start, end: offsets.index(range.upperBound)),
                        text: String(decoding: UnsafeBufferPointer(rebasing: bytes[range]), as: UTF8.self))
        case .text(let range):
          let base = offsets.index(range.lowerBound)
          var decoded: [UInt32] = []
          var i = range.lowerBound
          if let p = bytes.baseAddress {
            while i < range.upperBound { decoded.append(decodeUTF8(p, at: &i)) }
          }
          pieces += segment(NormalizedString(decoded, base: base), tables: tables)
        }
      }
      return pieces
    }
  }

  /// One piece of raw text between added tokens.
  private func segment(_ raw: NormalizedString, tables: CharacterTables) -> TokenPieces {
    var s = raw
    normalizer?.normalize(&s, tables: tables)
    var out = TokenPieces()
    guard !normalizedTokens.isEmpty else {
      modelPieces(s, into: &out, tables: tables)
      return out
    }
    let (bytes, characterOfByte) = s.utf8()
    bytes.withUnsafeBufferPointer { buffer in
      for piece in normalizedTokens.split(buffer, tables: tables) {
        switch piece {
        case .token(let id, let range):
          let chars = characterOfByte[range.lowerBound]..<(characterOfByte[range.upperBound - 1] + 1)
          out.append(id, s.originalSpan(chars), text: String(decoding: UnsafeBufferPointer(rebasing: buffer[range]), as: UTF8.self))
        case .text(let range):
          guard !range.isEmpty else { continue }
          let chars = characterOfByte[range.lowerBound]..<(characterOfByte[range.upperBound - 1] + 1)
          modelPieces(s.slice(chars), into: &out, tables: tables)
        }
      }
    }
    return out
  }

  private func modelPieces(_ s: NormalizedString, into out: inout TokenPieces, tables: CharacterTables) {
    guard !s.isEmpty else { return }
    let splits = preTokenizer?.split([s], tables: tables) ?? [s]
    for split in splits where !split.isEmpty {
      for token in model.tokenize(split.chars) {
        out.append(token.id, split.originalSpan(token.range))
      }
    }
  }
}

/// tokenizers' `process_offsets` (ByteLevel and RobertaProcessing with `trim_offsets`): a token's span loses
/// its leading and trailing spaces (`Ġ` or whitespace), except the one space `add_prefix_space` put before
/// the first token.
func trimOffsets(_ pieces: inout TokenPieces, addPrefixSpace: Bool, token: (Int32) -> String) {
  let space = ByteLevel.byteCharacter[0x20]
  func isSpace(_ c: UInt32) -> Bool { c == space || isRustWhitespace(c) }
  for i in pieces.ids.indices {
    let chars = (pieces.texts[i] ?? token(pieces.ids[i])).unicodeScalars.map(\.value)
    var leading = chars.prefix(while: isSpace).count
    let trailing = chars.reversed().prefix(while: isSpace).count
    var span = pieces.spans[i]
    if leading > 0 {
      let isFirst = i == 0 || span.start == 0
      if isFirst && addPrefixSpace && leading == 1 { leading = 0 }
      span.start = min(span.start + leading, span.end)
    }
    if trailing > 0, span.end >= trailing {
      span.end = max(span.end - trailing, span.start)
    }
    pieces.spans[i] = span
  }
}
