import Foundation

/// TensorFlow variable names mapped to PyTorch parameter names exactly as transformers'
/// `convert_tf_weight_name_to_pt_weight_name` (modeling_tf_pytorch_utils.py) maps them, without its
/// `start_prefix_to_remove` step: that depends on the target PyTorch class and belongs to the parameter map.
///
/// `tf_bert_for_sequence_classification/bert/encoder/layer_._0/attention/self/query/kernel:0`
/// → `bert.encoder.layer.0.attention.self.query.weight`, transposed.
enum TFNames {
  /// A PyTorch name and whether the stored array is transposed on the way (transformers' `TransposeType.SIMPLE`;
  /// it changes only rank-2 arrays).
  struct Mapping: Equatable, CustomStringConvertible {
    var name: String
    var transposes: Bool

    var description: String { name + (transposes ? " (transposed)" : "") }
  }

  /// Maps a TensorFlow variable name.
  ///
  /// Steps, in transformers' order: remove every `:0`; `…/<x>___<y>/…` → `…/<y>/…` (a regular-expression
  /// substitution whose matches cannot share a `/`, so of two neighbouring `___` components only the first is
  /// rewritten); `_._` → `/`; collapse `//`; split on `/`; drop the first component (the model scope,
  /// `tf_bert_model_3`, …) when there is more than one; transpose `kernel`, `pointwise_kernel`,
  /// `depthwise_kernel` and anything under `emb_projs`/`out_projs`; rename `kernel`/`embeddings`/`gamma` →
  /// `weight`, `beta` → `bias`, `pointwise_kernel` → `pointwise.weight`; join with `.`.
  ///
  /// - Parameter hasModelScope: false for a name whose model scope was already dropped (the datasets of a
  ///   sharded TF checkpoint); the name is then mapped as if the scope were still there.
  static func pytorchName(_ variableName: String, hasModelScope: Bool = true) -> Mapping {
    var name = (hasModelScope ? "" : "scope/") + variableName
    name = name.replacing(":0", with: "")

    // re.sub(r"/[^/]*___([^/]*)/", r"/\1/", name)
    var levels = name.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
    var level = 1
    while level < levels.count - 1 {
      if let marker = levels[level].range(of: "___", options: .backwards) {
        levels[level] = String(levels[level][marker.upperBound...])
        level += 2  // the match consumed the `/` that would start the next one
      } else {
        level += 1
      }
    }
    name = levels.joined(separator: "/").replacing("_._", with: "/")
    while name.contains("//") { name = name.replacing("//", with: "/") }

    levels = name.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
    if levels.count > 1 { levels.removeFirst() }
    let last = levels[levels.count - 1]
    let transposes = ["kernel", "pointwise_kernel", "depthwise_kernel"].contains(last)
      || levels.contains("emb_projs") || levels.contains("out_projs")
    switch last {
    case "kernel", "embeddings", "gamma": levels[levels.count - 1] = "weight"
    case "beta": levels[levels.count - 1] = "bias"
    case "pointwise_kernel", "depthwise_kernel": levels[levels.count - 1] = last.replacing("_kernel", with: ".weight")
    default: break
    }
    return Mapping(name: levels.joined(separator: "."), transposes: transposes)
  }

  /// The dataset name under which transformers' sharded `save_pretrained` stores a variable: the name without
  /// its model scope, unless it contains `model.` or has no `/`.
  static func shardDatasetName(_ variableName: String) -> String {
    guard !variableName.contains("model."), let slash = variableName.firstIndex(of: "/") else { return variableName }
    return String(variableName[variableName.index(after: slash)...])
  }

  /// Whether a dataset name read from a sharded TF checkpoint still carries its model scope
  /// (the inverse of ``shardDatasetName(_:)``'s exception).
  static func shardDatasetHasModelScope(_ datasetName: String) -> Bool {
    datasetName.contains("model.")
  }
}
