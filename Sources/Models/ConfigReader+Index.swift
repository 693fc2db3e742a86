extension ConfigReader {
  /// A non-negative integer `key` (a token id such as `pad_token_id`), or `value` when the key is absent or null.
  public func index(_ key: String, default value: Int) throws(ModelError) -> Int {
    guard let field = json[key], field != .null else { return value }
    guard let n = field.intValue, n >= 0 else { throw ModelError(.config, file: path, "'\(key)' is not a non-negative integer") }
    return n
  }

  /// A boolean `key`, or `value` when the key is absent.
  public func bool(_ key: String, default value: Bool) throws(ModelError) -> Bool {
    guard let field = json[key], field != .null else { return value }
    guard case .bool(let b) = field else { throw ModelError(.config, file: path, "'\(key)' is not true or false") }
    return b
  }
}
