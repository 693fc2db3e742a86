/// One weight of a Keras HDF5 file: where its dataset is, and the TensorFlow variable name it was saved as.
struct KerasWeight: Equatable {
  /// The dataset's path inside the file.
  var datasetPath: String
  /// The variable name (`tf_bert_model/bert/pooler/dense/kernel:0`), or for a sharded checkpoint's flat
  /// layout the dataset name, which lacks the model scope (`bert/pooler/dense/kernel:0`).
  var variableName: String
  /// Whether ``variableName`` starts with the model scope.
  var hasModelScope: Bool
}

/// Finds the weights of a Keras HDF5 file in either layout transformers writes.
///
/// - `tf_model.h5` (Keras `save_weights_to_hdf5_group`): the root attribute `layer_names` lists one group per
///   layer; each group's attribute `weight_names` lists variable names, stored at `<layer>/<variable name>`.
///   Keras also writes a `top_level_model_weights` group (empty for BERT) that `layer_names` omits.
/// - A shard of a sharded checkpoint (`tf_model-0000i-of-0000N.h5`): `layer_names` lists the datasets
///   themselves, named without the model scope; there are no layer groups and no `weight_names`.
///
/// Keras splits an attribute too large for an object header into `<name>0`, `<name>1`, …; both lists are read
/// either way.
enum KerasLayout {
  /// Files listing more weights than this are refused (BERT-large has under 400; each listed weight costs
  /// libhdf5 lookups, so the bound also bounds the time spent on a hostile list).
  static let maxWeights = 1 << 16
  static let topLevelGroup = "top_level_model_weights"

  /// The weights of `file`, in stored order (layer by layer, each layer's weights in `weight_names` order).
  /// - Throws: ``CheckpointError`` naming the file and the group or attribute when `layer_names` or a
  ///   layer's `weight_names` is missing or malformed, or a listed layer or dataset is absent.
  static func weights(in file: HDF5File) throws(CheckpointError) -> [KerasWeight] {
    guard var layers = try attributeList("layer_names", on: "/", in: file) else {
      throw CheckpointError(.malformed, file: file.path, at: "'/'",
                            "has no 'layer_names' attribute, so it is not a Keras weights file")
    }
    if !layers.contains(topLevelGroup), try file.objectKind(at: topLevelGroup) == .group {
      layers.append(topLevelGroup)
    }
    var weights: [KerasWeight] = []
    for layer in layers {
      switch try file.objectKind(at: layer) {
      case .group:
        guard let names = try attributeList("weight_names", on: layer, in: file) else {
          throw CheckpointError(.malformed, file: file.path, at: "group '\(layer)'",
                                "is listed in 'layer_names' but has no 'weight_names' attribute")
        }
        guard weights.count + names.count <= maxWeights else {
          throw CheckpointError(.limitExceeded, file: file.path, at: "group '\(layer)'", "lists more than \(maxWeights) weights")
        }
        for name in names {
          let path = layer + "/" + name
          let kind = try file.objectKind(at: path)
          guard kind == .dataset else {
            throw CheckpointError(.malformed, file: file.path, at: "dataset '\(path)'",
                                  "is listed in 'weight_names' of group '\(layer)' but " + (kind == nil ? "absent" : "not a dataset"))
          }
          weights.append(KerasWeight(datasetPath: path, variableName: name, hasModelScope: true))
        }
      case .dataset:
        weights.append(KerasWeight(datasetPath: layer, variableName: layer,
                                   hasModelScope: TFNames.shardDatasetHasModelScope(layer)))
      case .other:
        throw CheckpointError(.malformed, file: file.path, at: "'\(layer)'",
                              "is listed in 'layer_names' but is neither a group nor a dataset")
      case nil:
        throw CheckpointError(.malformed, file: file.path, at: "'\(layer)'", "is listed in 'layer_names' but absent")
      }
      guard weights.count <= maxWeights else {
        throw CheckpointError(.limitExceeded, file: file.path, "lists more than \(maxWeights) weights")
      }
    }
    return weights
  }

  /// The string-list attribute `name` of `object`, joined from `<name>0`, `<name>1`, … when Keras split it;
  /// nil when neither form is present (Keras `load_attributes_from_hdf5_group`).
  static func attributeList(_ name: String, on object: String, in file: HDF5File) throws(CheckpointError) -> [String]? {
    if try file.hasAttribute(name, on: object) {
      return try file.strings(attribute: name, on: object)
    }
    var list: [String] = []
    var chunk = 0
    while try file.hasAttribute("\(name)\(chunk)", on: object) {
      list += try file.strings(attribute: "\(name)\(chunk)", on: object)
      guard list.count <= maxWeights else {
        throw CheckpointError(.limitExceeded, file: file.path, at: "attribute '\(name)' of '\(object)'",
                              "lists more than \(maxWeights) names")
      }
      chunk += 1
    }
    return chunk == 0 ? nil : list
  }
}
