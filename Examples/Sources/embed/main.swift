// embed MODEL [TEXT] [--tokenizer DIR]: converts MODEL (any checkpoint bert-convert reads) to a canonical file,
// opens it with SafeTensors, runs the encoder on TEXT and prints the [CLS] embedding (docs/LIBRARY.md).
import BERT
import Convert
import Foundation
import SafeTensors

var arguments = Array(CommandLine.arguments.dropFirst())
var tokenizerDirectory: String?
if let flag = arguments.firstIndex(of: "--tokenizer"), flag + 1 < arguments.count {
  tokenizerDirectory = arguments[flag + 1]
  arguments.removeSubrange(flag...(flag + 1))
}
guard let source = arguments.first else {
  FileHandle.standardError.write(Data("usage: embed MODEL [TEXT] [--tokenizer DIR]\n".utf8))
  exit(2)
}
let text = arguments.count > 1 ? arguments[1] : "Hello, world!"

do {
  // 1. Convert: any checkpoint → one canonical safetensors file.
  let directory = NSTemporaryDirectory() + "/embed-example-\(getpid())"
  try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
  defer { try? FileManager.default.removeItem(atPath: directory) }
  let canonical = directory + "/model.safetensors"
  let report = try Conversion.run(source: source, output: canonical)
  print("canonical: \(report.tensorCount) tensors, \(report.parameterCount) parameters, sha256 \(report.sha256)")

  // 2. SafeTensors: map the file and look at one tensor by name, without copying it.
  let file = try SafeTensorsFile(path: canonical)
  let words = try file.tensor(named: "bert.embeddings.word_embeddings.weight")
  let first = words.withUnsafeBytes { $0.loadUnaligned(as: Float.self) }
  print("\(words.name): \(words.dtype.rawValue) \(words.shape), first value \(first)")

  // 3. BERT: load the canonical file, tokenize with the model's own tokenizer, run the encoder.
  let model = try BertModel.load(canonical)
  let tokenizer = try WordPieceTokenizer(directory: tokenizerDirectory ?? source)
  let encoding = tokenizer.encode(text)
  let input = try EncoderInput(batch: 1, sequence: encoding.ids.count, inputIDs: encoding.ids,
                               attentionMask: encoding.attentionMask, tokenTypeIDs: encoding.typeIds)
  let output = try model.forward(input, keepHiddenStates: false)
  let embedding = output.lastHiddenState(batch: 0, token: 0)  // last_hidden_state[0, 0]: the [CLS] token
  print("tokens: \(encoding.ids)")
  print("embedding: " + embedding.map { String(format: "%.7g", $0) }.joined(separator: " "))
} catch {
  FileHandle.standardError.write(Data("error: \(error)\n".utf8))
  exit(1)
}
