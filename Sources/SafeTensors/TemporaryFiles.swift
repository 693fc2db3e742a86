import CSafeOutput

/// Temporaries removed when SIGINT, SIGTERM or SIGHUP ends the process (docs/SECURITY.md, "Output rules").
///
/// The handlers (C, `Sources/CSafeOutput`) use only async-signal-safe calls on paths copied at registration:
/// unlink, or for a staging directory open/getdents64/unlinkat/rmdir; then the signal is re-raised with its
/// default action, so the process still ends by that signal. A SIGKILL cannot be caught: its leftovers carry the
/// process id in their name (``OutputPath/temporaryPrefix(for:)``) and the next run for the same output removes
/// them (``OutputPath/removeStaleTemporaries(of:)``).
public enum TemporaryFiles {
  /// A registered temporary; ``unregister()`` once it is gone or has become the output.
  public struct Registration: Sendable {
    let slot: Int32
    /// Stops removing this temporary on a signal.
    public func unregister() { csafeoutput_unregister(slot) }
  }

  /// Installs the signal handlers (once per process). The command-line tools call this at start.
  public static func installSignalHandlers() { csafeoutput_install_handlers() }

  /// Registers `path` for removal on a termination signal: unlinked, or a directory emptied and removed.
  public static func register(_ path: String, directory: Bool = false) -> Registration {
    Registration(slot: csafeoutput_register(path, directory ? 1 : 0))
  }

  /// Registers a directory this process created, removed on a termination signal only if it is empty then
  /// (after the temporaries registered later, which may be inside it).
  public static func registerCreatedDirectory(_ path: String) -> Registration {
    Registration(slot: csafeoutput_register(path, 2))
  }

  /// Runs `body` with termination signals held back: one arriving meanwhile takes effect (temporaries removed,
  /// process ended) when `body` returns, so a group of renames is never cut in half.
  public static func withSignalsDeferred<R, E: Error>(_ body: () throws(E) -> R) throws(E) -> R {
    csafeoutput_defer_signals(1)
    defer { csafeoutput_defer_signals(0) }
    return try body()
  }
}
