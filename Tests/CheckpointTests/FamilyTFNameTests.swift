import Testing
@testable import Checkpoint

/// The variable names transformers' TF classes of BERT's relatives write (as saved by `TF….save_pretrained`; the
/// DistilBERT ones from a `TFDistilBertForSequenceClassification` file, which golden/ leaves out for size) map to
/// the families' PyTorch names by the generic rules.
@Suite("TF variable names of the BERT family → PyTorch names")
struct FamilyTFNameTests {
  private func mapped(_ name: String) -> TFNames.Mapping { TFNames.pytorchName(name) }

  @Test("DistilBERT: transformer/layer_._N, q_lin, sa_layer_norm, ffn, pre_classifier")
  func distilBert() {
    let scope = "tf_distil_bert_for_sequence_classification"
    #expect(mapped("\(scope)/distilbert/transformer/layer_._0/attention/q_lin/kernel:0")
      == .init(name: "distilbert.transformer.layer.0.attention.q_lin.weight", transposes: true))
    #expect(mapped("\(scope)/distilbert/transformer/layer_._1/sa_layer_norm/gamma:0").name == "distilbert.transformer.layer.1.sa_layer_norm.weight")
    #expect(mapped("\(scope)/distilbert/transformer/layer_._0/ffn/lin1/bias:0") == .init(name: "distilbert.transformer.layer.0.ffn.lin1.bias", transposes: false))
    #expect(mapped("\(scope)/distilbert/embeddings/position_embeddings/embeddings:0")
      == .init(name: "distilbert.embeddings.position_embeddings.weight", transposes: false))
    #expect(mapped("\(scope)/pre_classifier/kernel:0") == .init(name: "pre_classifier.weight", transposes: true))
  }

  @Test("ELECTRA, MPNet and XLM-R scopes and layers")
  func others() {
    #expect(mapped("tf_electra_for_pre_training/electra/embeddings_project/kernel:0")
      == .init(name: "electra.embeddings_project.weight", transposes: true))
    #expect(mapped("tf_electra_for_pre_training/discriminator_predictions/dense_prediction/kernel:0")
      == .init(name: "discriminator_predictions.dense_prediction.weight", transposes: true))
    #expect(mapped("tfmp_net_for_masked_lm/mpnet/encoder/relative_attention_bias/embeddings:0")
      == .init(name: "mpnet.encoder.relative_attention_bias.weight", transposes: false))
    #expect(mapped("tfmp_net_for_masked_lm/mpnet/encoder/layer_._0/attention/attn/q/kernel:0").name == "mpnet.encoder.layer.0.attention.attn.q.weight")
    #expect(mapped("tfmp_net_for_masked_lm/lm_head/layer_norm/beta:0").name == "lm_head.layer_norm.bias")
    #expect(mapped("tfxlm_roberta_model/roberta/pooler/dense/kernel:0") == .init(name: "roberta.pooler.dense.weight", transposes: true))
  }
}
