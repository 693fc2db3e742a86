import ArgumentParser
import BERT
import CLISupport
import Foundation

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

    func validate() throws {
      guard seq > 0 else { throw ValidationError("--seq must be positive") }
      guard batch > 0 else { throw ValidationError("--batch must be positive") }
      guard runs > 0 else { throw ValidationError("--runs must be positive") }
    }

    func run() throws {
      do {
        try measure()
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
      let ids = (0..<(batch * seq)).map { t in t % seq == 0 ? min(101, config.vocabSize - 1) : (t &* 7919 &+ 1000) % config.vocabSize }
      let types = (0..<(batch * seq)).map { t in t % seq < seq / 2 ? 0 : min(1, config.typeVocabSize - 1) }
      let input = try EncoderInput(batch: batch, sequence: seq, inputIDs: ids, tokenTypeIDs: types)
      let workspace = try bert.makeWorkspace(batch: batch, sequence: seq)

      _ = try bert.forward(input, workspace: workspace, keepHiddenStates: false)
      var times: [Double] = []
      for _ in 0..<runs {
        let start = DispatchTime.now()
        _ = try bert.forward(input, workspace: workspace, keepHiddenStates: false)
        times.append(milliseconds(since: start))
      }
      times.sort()
      let median = times.count % 2 == 1 ? times[times.count / 2] : (times[times.count / 2 - 1] + times[times.count / 2]) / 2
      print("model=\(model.model)")
      print("config=\(bert.summary)")
      print("batch=\(batch) seq=\(seq) runs=\(runs) blas_threads=\(BLASInfo.threads)")
      print(String(format: "load_ms=%.3f", loadMs))
      print(String(format: "min_ms=%.3f max_ms=%.3f", times.first!, times.last!))
      print(String(format: "tokens_per_s=%.1f", Double(batch * seq) / (median / 1000)))
      print(String(format: "median_ms=%.3f", median))
    }

    private func milliseconds(since start: DispatchTime) -> Double {
      Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e6
    }
  }
}
