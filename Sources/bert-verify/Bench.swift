import ArgumentParser
import BERT
import CLISupport
import Foundation
import SafeTensors

extension BertVerify {
  /// `bert-verify bench MODEL`: times the forward pass on synthetic ids.
  struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Time the forward pass on synthetic ids after a warm-up; prints median_ms=… last.",
      discussion: "Every run reuses one workspace and skips keeping the per-layer hidden states. OPENBLAS_NUM_THREADS sets the GEMM threads.")

    @OptionGroup var model: ModelOptions

    @Option(help: "Tokens per sequence.")
    var seq = 128

    @Option(help: "Sequences per batch.")
    var batch = 1

    @Option(help: "Timed runs (after one warm-up run).")
    var runs = 10

    @Option(help: ArgumentHelp("Real tokens of each sequence, comma-separated (one per sequence; the rest of each row is right padding, attention_mask 0); overrides --batch.", valueName: "n,n,…"))
    var lengths: String?

    @Flag(help: "Time opening the canonical file instead: map it, validate the header and resolve every tensor by name (open_ms), and load the model ready to run (load_ms); median_ms is open_ms.")
    var openOnly = false

    func validate() throws {
      guard seq > 0 else { throw ValidationError("--seq must be positive") }
      guard batch > 0 else { throw ValidationError("--batch must be positive") }
      guard runs > 0 else { throw ValidationError("--runs must be positive") }
      if let lengths {
        let values = lengths.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !values.isEmpty, values.allSatisfy({ $0.map { $0 > 0 && $0 <= seq } ?? false }) else {
          throw ValidationError("--lengths must be positive integers ≤ --seq, comma-separated")
        }
      }
    }

    /// Real tokens per sequence: --lengths, else --seq for each of --batch sequences.
    private var realLengths: [Int] {
      lengths.map { $0.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) } }
        ?? Array(repeating: seq, count: batch)
    }

    mutating func run() throws {
      try model.resolveModelID()
      do {
        try openOnly ? measureOpen() : measure()
      } catch var error as BERTError where error.file == nil {
        error.file = model.model
        throw error
      }
    }

    private func measure() throws {
      let loadStart = DispatchTime.now()
      let bert = try model.load()
      let loadMs = milliseconds(since: loadStart)
      let config = bert.config
      // Deterministic ids spread over the vocabulary; [CLS]-like id 101 first when the vocabulary has it.
      let real = realLengths
      let batch = real.count
      let ids = (0..<(batch * seq)).map { t in t % seq == 0 ? min(101, config.vocabSize - 1) : (t &* 7919 &+ 1000) % config.vocabSize }
      let types = (0..<(batch * seq)).map { t in t % seq < seq / 2 ? 0 : min(1, config.typeVocabSize - 1) }
      let mask = (0..<(batch * seq)).map { t in t % seq < real[t / seq] ? 1 : 0 }
      let input = try EncoderInput(batch: batch, sequence: seq, inputIDs: ids, attentionMask: mask, tokenTypeIDs: types)
      let workspace = try bert.makeWorkspace(batch: batch, sequence: seq)

      _ = try bert.forward(input, workspace: workspace, keepHiddenStates: false)
      var times: [Double] = []
      for _ in 0..<runs {
        let start = DispatchTime.now()
        _ = try bert.forward(input, workspace: workspace, keepHiddenStates: false)
        times.append(milliseconds(since: start))
      }
      times.sort()
      let middle = median(times)
      print("model=\(model.model)")
      print("config=\(bert.summary)")
      print("batch=\(batch) seq=\(seq) real_tokens=\(real.reduce(0, +)) runs=\(runs) blas_threads=\(BLASInfo.threads)")
      print("blas=\(BLASInfo.configuration) gemm_kernel=\(BLASInfo.gemmKernel)")
      print(String(format: "load_ms=%.3f", loadMs))
      print(String(format: "min_ms=%.3f max_ms=%.3f", times.first!, times.last!))
      print(String(format: "tokens_per_s=%.1f", Double(real.reduce(0, +)) / (middle / 1000)))
      print(String(format: "median_ms=%.3f", middle))
    }

    /// Each run maps the file afresh (the page cache is warm after the warm-up run), validates the header and
    /// reaches every tensor's bytes through a name lookup; then builds the whole model on the same mapping.
    private func measureOpen() throws {
      var isDirectory: ObjCBool = false
      let path = FileManager.default.fileExists(atPath: model.model, isDirectory: &isDirectory) && isDirectory.boolValue
        ? model.model + "/model.safetensors" : model.model
      var openTimes: [Double] = []
      var loadTimes: [Double] = []
      var checksum = 0
      var tensorCount = 0
      // Opens first, then loads: a load packs every weight (hundreds of MB allocated, then freed), and an open
      // timed right after one measures the allocator and the kernel tidying up instead of the open.
      for run in 0...runs {
        let start = DispatchTime.now()
        let file = try SafeTensorsFile(path: path)
        for name in file.tensors.map(\.name) {
          guard let view = file[name] else { throw ValidationError("\(path): '\(name)' not found") }
          checksum &+= view.withUnsafeBytes { Int(bitPattern: $0.baseAddress) &+ $0.count } &+ view.shape.count
        }
        let opened = milliseconds(since: start)
        tensorCount = file.tensors.count
        if run > 0 { openTimes.append(opened) }
      }
      for run in 0...min(runs, 10) {
        let loadStart = DispatchTime.now()
        let bert = try model.load()
        let loaded = milliseconds(since: loadStart)
        withExtendedLifetime(bert) {}
        if run > 0 { loadTimes.append(loaded) }
      }
      print("model=\(path)")
      print("tensors=\(tensorCount) runs=\(runs) checksum=\(checksum & 0xffff)")
      print(String(format: "load_ms=%.3f", median(loadTimes)))
      print(String(format: "open_ms=%.3f", median(openTimes)))
      print(String(format: "median_ms=%.3f", median(openTimes)))
    }

    private func median(_ values: [Double]) -> Double {
      let sorted = values.sorted()
      return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
    }

    private func milliseconds(since start: DispatchTime) -> Double {
      Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e6
    }
  }
}
