/// One architecture family, declared once: how its `config.json` reads, every parameter it can hold (by role,
/// with canonical names and shapes), how checkpoints misspell or duplicate them, and the heads its classes carry.
///
/// The converter maps checkpoints through this table and the encoder builds its layers and heads from it; neither
/// spells a parameter name. A new family is one file in `Families/` defining a `static let` and its entry in
/// ``all``.
public struct ModelFamily: Sendable, CustomStringConvertible {
  /// Display name (`BERT`).
  public let name: String
  /// The `model_type` values of its configs (`bert`).
  public let modelTypes: [String]
  /// Reads a config of this family onto the shared fields.
  public let readConfig: @Sendable (ConfigReader) throws(ModelError) -> ModelConfig
  /// Every module the config allows, in `state_dict` order.
  public let modules: @Sendable (ModelConfig) -> [ModuleSpec]
  /// The canonical spelling of a source name (a missing model prefix added, `gamma`/`beta` → `weight`/`bias`).
  public let canonicalName: @Sendable (String) -> String
  /// Canonical names of buffers a checkpoint may carry that are not weights (dropped).
  public let buffers: Set<String>
  /// Parameters some checkpoints store twice.
  public let ties: [TieRule]
  /// The family's `…For…` classes and the head each carries (bare encoder classes are absent).
  public let architectures: [String: HeadKind]
  /// The head groups (``ParameterGroup/head(_:)``) each head kind needs.
  public let headGroups: [HeadKind: [String]]
  /// Canonical names a checkpoint of this config may carry that its PyTorch class lacks, with the reason (the
  /// pooler TF MPNet heads save); dropped like buffers.
  public let unused: @Sendable (ModelConfig) -> [String: String]

  public init(name: String, modelTypes: [String], readConfig: @escaping @Sendable (ConfigReader) throws(ModelError) -> ModelConfig,
              modules: @escaping @Sendable (ModelConfig) -> [ModuleSpec], canonicalName: @escaping @Sendable (String) -> String,
              buffers: Set<String>, ties: [TieRule], architectures: [String: HeadKind], headGroups: [HeadKind: [String]],
              unused: @escaping @Sendable (ModelConfig) -> [String: String] = { _ in [:] }) {
    self.unused = unused
    self.name = name
    self.modelTypes = modelTypes
    self.readConfig = readConfig
    self.modules = modules
    self.canonicalName = canonicalName
    self.buffers = buffers
    self.ties = ties
    self.architectures = architectures
    self.headGroups = headGroups
  }

  /// Every family the tools read.
  public static let all: [ModelFamily] = [.bert, .roberta, .xlmRoberta, .distilBert, .electra, .mpnet]

  /// The family whose configs say `model_type` = `modelType`.
  public static func named(_ modelType: String) -> ModelFamily? {
    all.first { $0.modelTypes.contains(modelType) }
  }

  public var description: String { name }

  /// Heads tried, in order, when `architectures` names none whose weights are present.
  static let fallbackHeads: [HeadKind] = [.questionAnswering, .sequenceClassification, .preTraining, .maskedLM, .nextSentencePrediction]

  /// The head a checkpoint carries: the one its `architectures` names when its weights are present, else the
  /// first of ``fallbackHeads`` whose head groups are all present; nil for a bare encoder.
  public func headKind(config: ModelConfig, presentGroups: Set<String>) -> HeadKind? {
    func present(_ kind: HeadKind) -> Bool {
      guard let groups = headGroups[kind], !groups.isEmpty else { return false }
      return groups.allSatisfy(presentGroups.contains)
    }
    if let named = config.architectureHead, present(named) { return named }
    return ModelFamily.fallbackHeads.first(where: present)
  }
}
