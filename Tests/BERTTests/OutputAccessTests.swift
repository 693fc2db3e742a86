import Testing
import TestSupport
@testable import BERT

/// Outputs by transformers name, with their shapes (docs/LIBRARY.md).
@Suite("named, shaped outputs")
struct OutputAccessTests {
  @Test("vector(b, t) and subscripts index the row-major values as transformers' [batch, sequence, hidden] tensors")
  func shapedAccess() throws {
    let model = try BertModel.load(Fixtures.path("models/seqcls/safetensors"))
    let golden = try Golden(path: goldenPath("seqcls"))
    let output = try model.forward(golden.input)
    let (s, h) = (output.sequence, output.hiddenSize)
    #expect(output.batch == 3 && h == 32)
    #expect(Array(output.lastHiddenState(batch: 2, token: 5)) == Array(output.lastHiddenState[((2 * s + 5) * h)..<((2 * s + 6) * h)]))
    #expect(output.lastHiddenStateTensor[1, 3, 7] == output.lastHiddenState[(1 * s + 3) * h + 7])
    #expect(Array(output.poolerOutput(batch: 1) ?? []) == Array(output.poolerOutput![h..<(2 * h)]))
    let logits = try #require(output.tensor(named: "logits"))
    #expect(logits.shape == [3, 3])
    #expect(logits[2, 1] == logits.values[7])
    #expect(Array(logits.vector(2)) == Array(logits.values[6..<9]))
    let layer1 = try #require(output.tensor(named: "hidden_states.1"))
    #expect(layer1.vector(0, 0).count == h)
    // The named outputs are the ones the golden holds.
    for expected in golden.outputs {
      #expect(output.tensor(named: expected.name)?.shape == expected.shape, "\(expected.name)")
    }
  }
}
