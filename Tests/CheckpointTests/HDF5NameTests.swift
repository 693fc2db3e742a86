import Testing
@testable import Checkpoint

@Suite("TF variable names → PyTorch names")
struct HDF5NameTests {
  private func mapped(_ name: String, hasModelScope: Bool = true) -> TFNames.Mapping {
    TFNames.pytorchName(name, hasModelScope: hasModelScope)
  }

  @Test("the examples of formats.md §4")
  func formatsExamples() {
    #expect(mapped("tf_bert_for_sequence_classification/bert/encoder/layer_._0/attention/self/query/kernel:0")
      == .init(name: "bert.encoder.layer.0.attention.self.query.weight", transposes: true))
    #expect(mapped("tf_bert_model/bert/embeddings/word_embeddings/weight:0")
      == .init(name: "bert.embeddings.word_embeddings.weight", transposes: false))
    #expect(mapped("tf_bert_model/bert/embeddings/position_embeddings/embeddings:0")
      == .init(name: "bert.embeddings.position_embeddings.weight", transposes: false))
    #expect(mapped("tf_bert_model/bert/embeddings/token_type_embeddings/embeddings:0").name
      == "bert.embeddings.token_type_embeddings.weight")
    #expect(mapped("tf_bert_model/bert/embeddings/LayerNorm/gamma:0").name == "bert.embeddings.LayerNorm.weight")
    #expect(mapped("tf_bert_model/bert/embeddings/LayerNorm/beta:0").name == "bert.embeddings.LayerNorm.bias")
  }

  @Test("the model scope is dropped whatever its name")
  func modelScope() {
    for scope in ["tf_bert_model", "tf_bert_model_3", "tf_bert_for_pre_training_1", "anything"] {
      #expect(mapped("\(scope)/bert/pooler/dense/kernel:0") == .init(name: "bert.pooler.dense.weight", transposes: true))
    }
    #expect(mapped("tf_bert_for_sequence_classification/classifier/kernel:0") == .init(name: "classifier.weight", transposes: true))
    #expect(mapped("tf_bert_for_sequence_classification/classifier/bias:0") == .init(name: "classifier.bias", transposes: false))
  }

  @Test("head layers named xxx___cls become cls")
  func heads() {
    let scope = "tf_bert_for_pre_training"
    #expect(mapped("\(scope)/mlm___cls/predictions/bias:0").name == "cls.predictions.bias")
    #expect(mapped("\(scope)/mlm___cls/predictions/transform/dense/kernel:0")
      == .init(name: "cls.predictions.transform.dense.weight", transposes: true))
    #expect(mapped("\(scope)/mlm___cls/predictions/transform/LayerNorm/gamma:0").name == "cls.predictions.transform.LayerNorm.weight")
    #expect(mapped("\(scope)/nsp___cls/seq_relationship/kernel:0") == .init(name: "cls.seq_relationship.weight", transposes: true))
  }

  @Test("sharded dataset names carry no model scope")
  func shardNames() {
    let full = "tf_bert_for_pre_training/mlm___cls/predictions/transform/dense/kernel:0"
    #expect(TFNames.shardDatasetName(full) == "mlm___cls/predictions/transform/dense/kernel:0")
    #expect(mapped("mlm___cls/predictions/transform/dense/kernel:0", hasModelScope: false) == mapped(full))
    #expect(mapped("bert/encoder/layer_._1/output/LayerNorm/beta:0", hasModelScope: false).name == "bert.encoder.layer.1.output.LayerNorm.bias")
    #expect(TFNames.shardDatasetName("final_logits_bias:0") == "final_logits_bias:0")
    #expect(TFNames.shardDatasetName("tf_model/model.decoder/kernel:0") == "tf_model/model.decoder/kernel:0")
    #expect(TFNames.shardDatasetHasModelScope("tf_model/model.decoder/kernel:0"))
  }

  @Test("transformers' edge cases: single names, regex quirks, other transposed names")
  func quirks() {
    #expect(mapped("final_logits_bias:0") == .init(name: "final_logits_bias", transposes: false))
    // Neighbouring `___` levels: the first match consumes the `/` the second would need.
    #expect(mapped("m/a___b/c___d/e").name == "b.c___d.e")
    #expect(mapped("m/a___b/x/c___d/e").name == "b.x.d.e")
    // The last level is never rewritten (no `/` after it), and `___` takes the text after its last occurrence.
    #expect(mapped("m/x/a___b").name == "x.a___b")
    #expect(mapped("m/a___b___c/e").name == "c.e")
    #expect(mapped("m//a//b/kernel:0").name == "a.b.weight")
    #expect(mapped("m/conv/pointwise_kernel:0") == .init(name: "conv.pointwise.weight", transposes: true))
    #expect(mapped("m/out_projs/_._0:0") == .init(name: "out_projs.0", transposes: true))
    // Only whole levels are renamed; `gamma` inside a level stays.
    #expect(mapped("m/gamma_layer/x:0").name == "gamma_layer.x")
  }
}
