import BERT
import FuzzSupport

// tokenizer.json: WordPieceTokenizer(directory:) on a directory holding only the input as tokenizer.json, then,
// when it loads, encoding a few fixed texts and the input itself (as lossy UTF-8) alone and as a pair.

let texts = ["Hello, world!", "[CLS] unaffable [MASK] 東京 naïve\u{0}\u{FFFD}", ""]

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTokenizer(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
  let input = inputBytes(data, size)
  Scratch.write(input, as: "tokenizer.json")
  do {
    let tokenizer = try WordPieceTokenizer(directory: Scratch.directory)
    let own = String(decoding: input.prefix(256), as: UTF8.self)
    for text in texts + [own] {
      let encoding = tokenizer.encode(text, pair: own, maxLength: 64)
      invariant(encoding.ids.count == encoding.typeIds.count && encoding.ids.count == encoding.attentionMask.count,
                "encoding lengths differ")
    }
    _ = tokenizer.encodeBatch(texts, maxLength: 16)
  } catch {
    // TokenizerError (Sources/BERT) quotes the file's text without escaping control characters, so only the
    // file is checked here; the tools print it through CLISupport, which escapes them (ErrorLineTests replays
    // golden/hostile/fuzz/tokenizer through bert-verify).
    invariant("\(error)".hasPrefix(Scratch.directory + "/"), "error does not name the file: \(error)")
  }
  return 0
}

runFuzzer(fuzzTokenizer)
