import Foundation

/// How long work is shown on stderr (README.md, "bert-convert"): on a terminal, one self-overwriting line with
/// bytes, percentage and estimated time left; on a terminal that cannot move the cursor (`TERM=dumb`), a plain
/// line at each tenth; when stderr is not a terminal, nothing — logs and pipes get the result line alone, and a
/// failure stays one line on stderr.
public enum ProgressStyle: Equatable, Sendable {
  case live, plain, none

  public static func current(environment: [String: String] = ProcessInfo.processInfo.environment,
                             isTerminal: Bool = isatty(2) != 0) -> ProgressStyle {
    guard isTerminal else { return .none }
    let term = environment["TERM"] ?? ""
    return term.isEmpty || term == "dumb" ? .plain : .live
  }
}

/// Renders progress on stderr in a ``ProgressStyle``.
public final class ProgressDisplay {
  public let style: ProgressStyle
  private let start = ContinuousClock.now
  private var shownTenths = 0
  private let columns: Int

  /// Nil when `style` is `.none`.
  public init?(style: ProgressStyle = .current(), environment: [String: String] = ProcessInfo.processInfo.environment) {
    guard style != .none else { return nil }
    self.style = style
    columns = environment["COLUMNS"].flatMap(Int.init).map { max(20, $0) } ?? 80
  }

  /// Shows `done` of `total` bytes; `detail` (e.g. the tensor just written) follows on the live line.
  public func update(done: Int, total: Int, detail: String = "") {
    let elapsed = (ContinuousClock.now - start) / .seconds(1)
    let status = ProgressDisplay.status(done: done, total: total, elapsed: elapsed)
    switch style {
    case .live:
      // Cut to the terminal's width: a wrapped line could not be overwritten.
      let line = String((status + "  " + printableLine(detail)).prefix(columns - 1))
      write("\r\u{1B}[K" + line)
    case .plain:
      let tenths = total > 0 ? Int(Double(done) / Double(total) * 10) : 10
      guard tenths > shownTenths else { return }
      shownTenths = tenths
      write(status + "\n")
    case .none: return
    }
  }

  /// Clears the live line.
  public func finish() {
    if style == .live { write("\r\u{1B}[K") }
  }

  /// `35.2 MB / 88.0 MB  40%  ETA 0:03`: bytes in powers of 1000, and the time left at the rate so far
  /// (`ETA --:--` before there is a rate).
  public static func status(done: Int, total: Int, elapsed: Double) -> String {
    let fraction = total > 0 ? min(1, max(0, Double(done) / Double(total))) : 1
    let eta: String
    if done > 0 && elapsed > 0 && elapsed.isFinite {
      eta = duration(elapsed * (1 - fraction) / fraction)
    } else {
      eta = "--:--"
    }
    return "\(bytes(done)) / \(bytes(total))  \(Int(fraction * 100))%  ETA \(eta)"
  }

  /// `512 B`, `1.5 kB`, `88.0 MB`, `1.3 GB`.
  public static func bytes(_ count: Int) -> String {
    let units = ["B", "kB", "MB", "GB", "TB"]
    var value = Double(count)
    var unit = 0
    while value >= 1000 && unit < units.count - 1 {
      value /= 1000
      unit += 1
    }
    return unit == 0 ? "\(count) B" : String(format: "%.1f", value) + " " + units[unit]
  }

  /// `m:ss`, or `h:mm:ss` from an hour on.
  public static func duration(_ seconds: Double) -> String {
    let total = seconds.isFinite ? Int(min(max(0, seconds.rounded()), 359_999)) : 359_999
    let (h, m, s) = (total / 3600, total / 60 % 60, total % 60)
    return h > 0 ? String(format: "%d:%02d:%02d", h, m, s) : String(format: "%d:%02d", m, s)
  }

  private func write(_ text: String) {
    FileHandle.standardError.write(Data(text.utf8))
  }
}
