/// What a module does in the network, independent of how a family spells its parameter names. The encoder asks
/// for weights by role (and layer); only a family's table (``ModelFamily``) knows the names.
///
/// A family with a module the others lack declares its role beside its table (`extension Role { static let … }`).
public struct Role: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
  public let rawValue: String
  public init(rawValue: String) { self.rawValue = rawValue }
  public var description: String { rawValue }

  // Embeddings
  public static let wordEmbeddings = Role(rawValue: "word embeddings")
  public static let positionEmbeddings = Role(rawValue: "position embeddings")
  public static let tokenTypeEmbeddings = Role(rawValue: "token type embeddings")
  public static let embeddingNorm = Role(rawValue: "embedding norm")
  // One encoder layer
  public static let query = Role(rawValue: "query")
  public static let key = Role(rawValue: "key")
  public static let value = Role(rawValue: "value")
  /// Relative position embeddings (`relative_key`, `relative_key_query`) of one layer.
  public static let distanceEmbedding = Role(rawValue: "distance embedding")
  public static let attentionOutput = Role(rawValue: "attention output")
  public static let attentionNorm = Role(rawValue: "attention norm")
  public static let intermediate = Role(rawValue: "intermediate")
  public static let output = Role(rawValue: "output")
  public static let outputNorm = Role(rawValue: "output norm")
  // Above the encoder
  public static let pooler = Role(rawValue: "pooler")
  public static let classifier = Role(rawValue: "classifier")
  public static let questionAnswering = Role(rawValue: "question answering")
  public static let lmTransform = Role(rawValue: "LM transform")
  public static let lmNorm = Role(rawValue: "LM transform norm")
  public static let lmBias = Role(rawValue: "LM bias")
  public static let lmDecoder = Role(rawValue: "LM decoder")
  public static let nextSentence = Role(rawValue: "next sentence")
}

/// Which part of the model a parameter belongs to: the encoder's groups are required, a head's are all-or-nothing.
public enum ParameterGroup: Hashable, Sendable, CustomStringConvertible {
  case embeddings
  case layer(Int)
  case pooler
  /// A head module, named as the family's classes name it (`classifier`, `cls.predictions`, …).
  case head(String)

  public var isEncoder: Bool {
    switch self {
    case .embeddings, .layer: true
    case .pooler, .head: false
    }
  }

  public var description: String {
    switch self {
    case .embeddings: "embeddings"
    case .layer(let l): "layer \(l)"
    case .pooler: "pooler"
    case .head(let name): name
    }
  }
}

/// One module of a family's table: its role, the layer it sits in, its name prefix and the parameters it holds.
public struct ModuleSpec: Sendable {
  public enum Kind: Sendable, Equatable {
    /// `torch.nn.Linear`: `prefix.weight` [out, in] and, with `bias`, `prefix.bias` [out].
    case linear(out: Int, in: Int, bias: Bool = true)
    /// `torch.nn.LayerNorm`: `prefix.weight` and `prefix.bias`, both [width].
    case layerNorm(width: Int)
    /// `torch.nn.Embedding`: `prefix.weight` [rows, width].
    case embedding(rows: Int, width: Int)
    /// A lone parameter whose name is the prefix itself, of the given shape.
    case parameter(shape: [Int])
  }

  public let role: Role
  public let layer: Int?
  /// The canonical name prefix (`bert.encoder.layer.0.attention.self.query`).
  public let prefix: String
  public let kind: Kind
  public let group: ParameterGroup
  /// Parameters of this module that may be absent because a tie rule supplies them (a decoder tied to the word
  /// embeddings).
  public let tiedOptional: Bool

  public init(_ role: Role, layer: Int? = nil, _ prefix: String, _ kind: Kind, group: ParameterGroup, tiedOptional: Bool = false) {
    self.role = role
    self.layer = layer
    self.prefix = prefix
    self.kind = kind
    self.group = group
    self.tiedOptional = tiedOptional
  }

  /// The module's parameters: canonical name and shape, in the order transformers' `state_dict` lists them.
  public var parameters: [ParameterSpec] {
    func p(_ suffix: String, _ shape: [Int]) -> ParameterSpec {
      ParameterSpec(name: prefix + "." + suffix, shape: shape, module: self)
    }
    switch kind {
    case .linear(let out, let inp, let bias): return [p("weight", [out, inp])] + (bias ? [p("bias", [out])] : [])
    case .layerNorm(let width): return [p("weight", [width]), p("bias", [width])]
    case .embedding(let rows, let width): return [p("weight", [rows, width])]
    case .parameter(let shape): return [ParameterSpec(name: prefix, shape: shape, module: self)]
    }
  }
}

/// One parameter of a family's table.
public struct ParameterSpec: Sendable {
  public let name: String
  public let shape: [Int]
  public let module: ModuleSpec
}

/// How a family stores one parameter twice in some checkpoints; the canonical file keeps it once.
public struct TieRule: Sendable {
  public enum Kind: Sendable {
    /// The `alias` is the same parameter as `canonical` (an LM decoder's bias is the prediction bias): two copies
    /// must hold the same bytes, and an alias alone stands in for the canonical name.
    case sameParameter
    /// The `alias` is dropped when it holds the same bytes as `canonical` (a decoder tied to the word
    /// embeddings); an untied one is kept under its own name.
    case droppedWhenEqual
  }

  public let alias: String
  public let canonical: String
  public let kind: Kind

  public init(alias: String, canonical: String, _ kind: Kind) {
    self.alias = alias
    self.canonical = canonical
    self.kind = kind
  }
}
