/// What an error knew where it happened, shared by every module's error type so that an error crossing a module
/// boundary keeps its code, file, tensor and location instead of being flattened into another module's text.
///
/// Each module keeps its own error type (``ContextualError``) with its own codes; when a module catches a lower
/// module's error it wraps it, and the lower error's context becomes the ``cause``.
public struct ErrorContext: Sendable, CustomStringConvertible {
  /// The broken rule, as the raising module words it (`"shape mismatch"`, `"malformed checkpoint"`, …).
  public var code: String
  /// The file the error is about, when there is one.
  public var file: String?
  /// The tensor the error is about.
  public var tensor: String?
  /// A byte offset (`offset 1234`), pickle global, dataset path, layer or input position.
  public var location: String?
  /// What exactly went wrong.
  public var detail: String
  /// The lower-level error this one wraps, if any.
  public var cause: Cause?

  /// A wrapped lower-level context (a class, so the struct does not contain itself).
  public final class Cause: Sendable {
    public let context: ErrorContext
    public init(_ context: ErrorContext) { self.context = context }
  }

  public init(code: String, file: String? = nil, tensor: String? = nil, location: String? = nil, detail: String,
              cause: ErrorContext? = nil) {
    self.code = code
    self.file = file
    self.tensor = tensor
    self.location = location
    self.detail = detail
    self.cause = cause.map(Cause.init)
  }

  /// The innermost context: where the failure started.
  public var root: ErrorContext { cause?.context.root ?? self }

  /// One printable line: `file: code (tensor 'name') at location: detail`, control characters escaped.
  public var description: String {
    var line = file.map { "\($0): " } ?? ""
    line += code
    if let tensor { line += " (tensor '\(tensor)')" }
    if let location { line += " at \(location)" }
    return escapingControlCharacters(line + ": " + detail)
  }
}

/// An error of one of this package's modules: every one carries an ``ErrorContext``.
public protocol ContextualError: Error, CustomStringConvertible, Sendable {
  var context: ErrorContext { get }
}

extension ContextualError {
  public var description: String { context.description }
}
