// Generated from docs/LIBRARY.md by scripts/library-snippets.sh (make test): compiled, never run.
import SafeTensors
import Checkpoint
import Models
import Convert
import BERT


let file = try SafeTensorsFile(path: "model.safetensors")          // maps and validates the header
print(file.metadata["config"] ?? "no config")                      // a canonical file carries its config.json
let q = try file.tensor(named: "bert.encoder.layer.0.attention.self.query.weight")
print(q.dtype, q.shape)                                            // F32 [384, 384]
let first = q.withUnsafeBytes { $0.loadUnaligned(as: Float.self) } // zero-copy: the bytes are the mapping

let writer = try SafeTensorsWriter(path: "out.safetensors",
                                   tensors: [TensorHeader(name: "x", dtype: .f32, shape: [2])],
                                   metadata: ["format": "pt"])
try [Float(1), 2].withUnsafeBytes { try writer.write($0) }         // tensors in header order, in any chunks
try writer.finish()                                                // fsync + rename; writer.sha256 is then set


let path = try HubCache.resolve("sentence-transformers/all-MiniLM-L6-v2")  // a path is returned unchanged
let checkpoint = try Checkpoint.open(path)                                  // or Checkpoint.open(dir, from: .tf)
print(checkpoint.format, checkpoint.files)
for tensor in checkpoint.tensors.prefix(3) {
  print(tensor.name, tensor.dtype, tensor.shape, tensor.isMapped)         // stored names, e.g. TF names mapped to PyTorch's
}
try checkpoint.tensors[0].readOnce(chunkBytes: 1 << 22) { chunk in /* little-endian [out, in] bytes */ }


let config = try ModelConfig(path: checkpoint.directory + "/config.json")
let plan = try ParameterMap.plan(checkpoint, config: config)      // canonical names, shapes checked, ties resolved
print(plan.family.name, plan.headKind as Any, plan.parameterCount)
for tensor in plan.tensors { print(tensor.name, "←", tensor.source.name, tensor.module.role) }


// A .safetensors path gets the canonical file; any other path a directory transformers loads.
let report = try Conversion.run(source: "golden/models/seqcls/h5", output: "seqcls.safetensors", dtype: .keep,
                                progress: { step in print(step.bytesDone, "/", step.byteCount, step.tensor) })
print(report.path, report.tensorCount, report.sha256)


let model = try BertModel.load("seqcls.safetensors")   // canonical file, or any checkpoint (mapped, nothing written)
let tokenizer = try WordPieceTokenizer(directory: "golden/models/seqcls/safetensors")
let encoding = tokenizer.encode("The quick dog jumped over the lazy cats!")
let input = try EncoderInput(batch: 1, sequence: encoding.ids.count, inputIDs: encoding.ids,
                             attentionMask: encoding.attentionMask, tokenTypeIDs: encoding.typeIds)
let output = try model.forward(input)                   // keepHiddenStates: false skips hidden_states.K

let cls = output.lastHiddenState(batch: 0, token: 0)    // last_hidden_state[0, 0], an ArraySlice<Float>
let pooled = output.poolerOutput(batch: 0)              // pooler_output[0], when the model has a pooler
if let logits = output.tensor(named: "logits") {        // any output by its transformers name
  print(logits.shape, logits[0, 1], logits.vector(0))   // [1, 3], one element, row 0
  print(Classification(logits: Array(logits.vector(0)), config: model.config).labels)
}

let encoder = try SentenceEncoder.load("all-MiniLM-L6-v2")   // modules.json, or a canonical file's recorded pipeline
let sentenceTokenizer = try encoder.tokenizer(directory: "all-MiniLM-L6-v2")
let (values, width) = try encoder.embed(["A man is playing a guitar.", "Someone plays an instrument."], tokenizer: sentenceTokenizer)
let similarity = Pooling.cosine(values[0..<width], values[width..<(2 * width)])
// Another pooling over the same encoder: .modes([.cls]), .modes([.mean, .max]), .pooler; normalize: true/false.
let clsEmbedding = try encoder.embed(["A man is playing a guitar."], tokenizer: sentenceTokenizer, pooling: .modes([.cls]))

