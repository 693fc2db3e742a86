import SafeTensors

/// A golden file (CONTRACT.md §2): one padded batch of inputs and the outputs transformers computed for it.
public struct Golden: Sendable {
  /// One reference output.
  public struct Output: Sendable {
    public let name: String
    public let shape: [Int]
    public let values: [Float]
  }

  public let path: String
  public let input: EncoderInput
  /// Every tensor but the three inputs, in report order (see ``order(_:)``).
  public let outputs: [Output]
  /// `atol`/`rtol` from `__metadata__`, when present.
  public let atol: Double?
  public let rtol: Double?
  /// `__metadata__["texts"]`: the JSON array the ids were tokenized from, when present.
  public let texts: String?
  public let metadata: [String: String]

  /// The tolerances the contract falls back to when a golden states none.
  public static let defaultAtol = 1e-4
  public static let defaultRtol = 1e-3

  /// Reads and checks the golden at `path`.
  /// - Throws: ``BERTError`` `.golden` for a file that is not a valid safetensors file, lacks an input, has inputs
  ///   that are not I64 [B, S] of one shape, an output that is not F32, or unparseable tolerances.
  public init(path: String) throws(BERTError) {
    let file: SafeTensorsFile
    do { file = try SafeTensorsFile(path: path) } catch { throw BERTError(.golden, file: path, "\(error.code.rawValue): \(error.detail)") }
    self.path = path
    metadata = file.metadata

    func integers(_ name: String) throws(BERTError) -> (shape: [Int], values: [Int]) {
      guard let view = file[name] else { throw BERTError(.golden, file: path, "missing the required input '\(name)'") }
      guard view.dtype == .i64, view.shape.count == 2 || view.shape.count == 3 else {
        throw BERTError(.golden, file: path,
                        "tensor '\(name)' is \(view.dtype.rawValue) \(view.shape), expected I64 [batch, sequence] or [batch, choices, sequence]")
      }
      let values = view.withUnsafeBytes { bytes in
        (0..<view.elementCount).map { Int(Int64(littleEndian: bytes.loadUnaligned(fromByteOffset: 8 * $0, as: Int64.self))) }
      }
      return (view.shape, values)
    }
    let ids = try integers("input_ids")
    let mask = try integers("attention_mask")
    // A family without token types (DistilBERT, MPNet) has goldens without them (docs/GOLDEN.md): zeros.
    let types = file["token_type_ids"] == nil ? (shape: ids.shape, values: [Int](repeating: 0, count: ids.values.count))
      : try integers("token_type_ids")
    guard mask.shape == ids.shape, types.shape == ids.shape else {
      throw BERTError(.golden, file: path, "input shapes differ: input_ids \(ids.shape), attention_mask \(mask.shape), token_type_ids \(types.shape)")
    }
    // A multiple-choice golden's [B, C, S] inputs run as B·C rows (docs/GOLDEN.md).
    let choices = ids.shape.count == 3 ? ids.shape[1] : 1
    do throws(BERTError) {
      guard ids.shape.allSatisfy({ $0 > 0 }), case let (rows, false) = ids.shape[0].multipliedReportingOverflow(by: choices) else {
        throw BERTError(.badInput, "input_ids has shape \(ids.shape)")
      }
      var flat = try EncoderInput(batch: rows, sequence: ids.shape.last!, inputIDs: ids.values,
                                  attentionMask: mask.values, tokenTypeIDs: types.values)
      flat.choices = choices
      input = flat
    } catch {
      throw BERTError(.golden, file: path, error.detail)
    }

    var outputs: [Output] = []
    for view in file.tensors where !["input_ids", "attention_mask", "token_type_ids"].contains(view.name) {
      guard view.dtype == .f32 else {
        throw BERTError(.golden, file: path, "tensor '\(view.name)' is \(view.dtype.rawValue), outputs must be F32")
      }
      let values = view.withUnsafeBytes { bytes in
        (0..<view.elementCount).map { Float(bitPattern: UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: 4 * $0, as: UInt32.self))) }
      }
      // A non-finite reference passes any comparison (inf ≤ atol + rtol·inf) or none (NaN): refused either way.
      if let bad = values.firstIndex(where: { !$0.isFinite }) {
        throw BERTError(.golden, file: path, "output '\(view.name)' holds \(values[bad]) at element \(bad); a golden's outputs must be finite")
      }
      outputs.append(Output(name: view.name, shape: view.shape, values: values))
    }
    guard !outputs.isEmpty else {
      throw BERTError(.golden, file: path, "has no outputs, only inputs: there is nothing to compare")
    }
    self.outputs = outputs.sorted { Golden.order($0.name) < Golden.order($1.name) }

    let meta = file.metadata
    func tolerance(_ key: String) throws(BERTError) -> Double? {
      guard let text = meta[key] else { return nil }
      guard let value = Double(text), value.isFinite, value >= 0 else {
        throw BERTError(.golden, file: path, "__metadata__ '\(key)' is '\(text)', not a non-negative decimal")
      }
      return value
    }
    atol = try tolerance("atol")
    rtol = try tolerance("rtol")
    texts = meta["texts"]
  }

  /// Report order: hidden_states.0 … L (by K), last_hidden_state, pooler_output, logits, start/end logits,
  /// prediction_logits, seq_relationship_logits, then anything else by name.
  public static func order(_ name: String) -> (Int, Int, String) {
    if let k = hiddenStateIndex(name) { return (0, k, "") }
    let fixed = ["last_hidden_state", "pooler_output", "logits", "start_logits", "end_logits", "prediction_logits", "seq_relationship_logits"]
    if let i = fixed.firstIndex(of: name) { return (1 + i, 0, "") }
    return (1 + fixed.count, 0, name)
  }

  /// K for `hidden_states.K`.
  public static func hiddenStateIndex(_ name: String) -> Int? {
    guard name.hasPrefix("hidden_states."), let k = Int(name.dropFirst("hidden_states.".count)), k >= 0 else { return nil }
    return k
  }
}
