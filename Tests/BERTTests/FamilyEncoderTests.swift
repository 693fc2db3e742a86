import Foundation
import Models
import Testing
import TestSupport
@testable import BERT

/// The encoder differences of BERT's relatives, rule by rule (the goldens check them all together).
@Suite("Encoder: the BERT family's differences")
struct FamilyEncoderTests {
  static func model(_ name: String) throws -> BertModel { try BertModel.load(Fixtures.path("models/\(name)/safetensors")) }

  @Test("MPNet's buckets: the values transformers' relative_position_bucket gives (keys before the query 0–15, after 16–31)")
  func buckets() {
    // key − query → bucket, as computed with torch (docs/FORMAT.md; ../shared/reference wave2 §2).
    let expected: [Int: Int] = [0: 0, -1: 1, -7: 7, -8: 8, -15: 9, -16: 10, -64: 14, -127: 15, -128: 15, -5000: 15,
                                1: 17, 7: 23, 8: 24, 16: 26, 64: 30, 127: 31, 128: 31, 5000: 31]
    for (offset, bucket) in expected { #expect(RelativePositionBias.bucket(offset) == bucket, "offset \(offset)") }
    // Monotonic in the distance on each side.
    let after = (1...200).map(RelativePositionBias.bucket)
    #expect(after == after.sorted())
  }

  @Test("RoBERTa-style positions count from padding_idx + 1 over non-pad tokens, pads at padding_idx")
  func positions() throws {
    let model = try FamilyEncoderTests.model("roberta-seqcls")
    let input = try EncoderInput(batch: 2, sequence: 5, inputIDs: [0, 7, 8, 2, 1, 1, 1, 0, 9, 2], attentionMask: [1, 1, 1, 1, 0, 0, 0, 1, 1, 1])
    #expect(model.embeddings.positionIDs(input) == [2, 3, 4, 5, 1, 1, 1, 2, 3, 4])
    #expect(try FamilyEncoderTests.model("distilbert-seqcls").embeddings.positionIDs(input) == nil)
    // The last position must exist: max_position_embeddings 18 with padding_idx 1 takes 16 tokens.
    let table = model.config.maxPositionEmbeddings
    _ = try model.forward(EncoderInput(batch: 1, sequence: table - 2, inputIDs: Array(repeating: 5, count: table - 2)))
    #expect {
      _ = try model.forward(EncoderInput(batch: 1, sequence: table - 1, inputIDs: Array(repeating: 5, count: table - 1)))
    } throws: { error in
      (error as? BERTError)?.code == .badInput && "\(error)".contains("padding_idx 1") && "\(error)".contains("max_position_embeddings")
    }
  }

  @Test("a family without token types refuses token type ids other than 0")
  func noTokenTypes() throws {
    for name in ["distilbert-seqcls", "mpnet-base"] {
      let model = try FamilyEncoderTests.model(name)
      #expect(model.embeddings.tokenType == nil)
      _ = try model.forward(EncoderInput(batch: 1, sequence: 3, inputIDs: [0, 5, 2], tokenTypeIDs: [0, 0, 0]))
      #expect {
        _ = try model.forward(EncoderInput(batch: 1, sequence: 3, inputIDs: [0, 5, 2], tokenTypeIDs: [0, 1, 0]))
      } throws: { error in (error as? BERTError)?.code == .badInput && "\(error)".contains("has no token types") }
    }
  }

  @Test("the assembly follows the table: ELECTRA's projection, MPNet's shared bias, no pooler where the class has none")
  func assembly() throws {
    let electra = try FamilyEncoderTests.model("electra-discriminator")
    #expect(electra.embeddingProjection?.inFeatures == 4 && electra.embeddingProjection?.outFeatures == 8)
    #expect(try FamilyEncoderTests.model("electra-seqcls").embeddingProjection == nil)
    let mpnet = try FamilyEncoderTests.model("mpnet-mlm")
    let biases = mpnet.layers.compactMap(\.attention.relativeBias)
    #expect(biases.count == mpnet.layers.count && biases.allSatisfy { $0 === biases[0] })
    #expect(try FamilyEncoderTests.model("roberta-seqcls").layers.allSatisfy { $0.attention.relativeBias == nil })
    let mpnetBase = try FamilyEncoderTests.model("mpnet-base")
    #expect(!mpnet.hasPooler && mpnetBase.hasPooler)
    #expect(electra.summary.contains("pre-training head (1 outputs)"))
    #expect(try FamilyEncoderTests.model("roberta-mlm").summary.contains("masked language modelling head (32 outputs)"))
  }

  @Test("padding skipped or run gives the same real-token outputs (MPNet's bias uses plain positions)")
  func paddingPaths() throws {
    let model = try FamilyEncoderTests.model("mpnet-mlm")
    let golden = try Golden(path: goldenPath("mpnet-mlm"))
    let skipped = try model.forward(golden.input)
    // A row of all padding except a masked-out real id: the batch is no longer right-padded, so every position runs.
    var ids = golden.input.inputIDs, mask = golden.input.attentionMask
    let s = golden.input.sequence
    ids += Array(repeating: 1, count: s)
    ids[golden.input.batch * s + 1] = 5
    mask += [1] + Array(repeating: 0, count: s - 2) + [1]
    let full = try model.forward(EncoderInput(batch: golden.input.batch + 1, sequence: s, inputIDs: ids, attentionMask: mask))
    for t in 0..<(golden.input.batch * s) where golden.input.attentionMask[t] == 1 {
      for j in 0..<model.config.hiddenSize {
        let (a, b) = (skipped.lastHiddenState[t * 8 + j], full.lastHiddenState[t * 8 + j])
        #expect(abs(a - b) <= 1e-5, "token \(t)")
      }
    }
  }
}
