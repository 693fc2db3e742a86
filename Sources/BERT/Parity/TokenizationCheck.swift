/// The re-tokenization check of docs/GOLDEN.md: a golden's `texts`, tokenized by the tokenizer beside the model,
/// must give the golden's `input_ids`. One testcase of the JUnit report and the `tokenization` object of the JSON
/// report (docs/REPORT.md).
public struct TokenizationCheck: Sendable, Equatable {
  public enum Status: String, Sendable {
    /// Every text gave the golden's ids.
    case passed = "pass"
    /// A text gave other ids: a failure of the run (exit 1).
    case failed = "fail"
    /// The golden has no `texts`, or no tokenizer sits beside the model.
    case notChecked = "not_checked"
  }

  public let status: Status
  /// The tokenizer used (its files), when there was one.
  public let tokenizer: String?
  /// One line: what was checked, the first text that differs, or why nothing was checked.
  public let detail: String

  public init(status: Status, tokenizer: String?, detail: String) {
    self.status = status
    self.tokenizer = tokenizer
    self.detail = detail
  }

  public var failed: Bool { status == .failed }
}
