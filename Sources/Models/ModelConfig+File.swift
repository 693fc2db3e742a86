import Support

extension ModelConfig {
  /// The `config.json` written beside converted weights: the same members as ``transformersJSON`` (the source's
  /// config without bookkeeping keys — not the normalised ``canonicalJSON``), indented as transformers'
  /// `save_pretrained` writes it (`json.dumps(indent=2, sort_keys=True)` and a final newline).
  public var fileText: String {
    // transformersJSON is our own output, so it parses; the fallback is never taken.
    ((try? JSONValue.parse(transformersJSON))?.indentedText ?? transformersJSON) + "\n"
  }
}
