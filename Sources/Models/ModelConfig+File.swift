import Support

extension ModelConfig {
  /// The `config.json` written beside converted weights: the same members as ``canonicalJSON``, indented as
  /// transformers' `save_pretrained` writes it (`json.dumps(indent=2, sort_keys=True)` and a final newline).
  public var fileText: String {
    // canonicalJSON is our own output, so it parses; the fallback is never taken.
    ((try? JSONValue.parse(canonicalJSON))?.indentedText ?? canonicalJSON) + "\n"
  }
}
