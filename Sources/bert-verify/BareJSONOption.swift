/// The verify command's `--json` without a file means stdout: there a bare `--json` (the last argument, or followed
/// by another option) is read as `--json -`, so `bert-verify MODEL --text … --json` prints the pipeline answer and
/// `bert-verify MODEL --golden G --json` the report (README, docs/TASKS.md). Other subcommands, whose `--json` is a
/// flag, get their arguments unchanged.
enum BareJSONOption {
  /// - Parameter otherCommands: the names of the subcommands other than verify.
  static func expand(_ arguments: [String], otherCommands: Set<String>) -> [String] {
    if let first = arguments.first, otherCommands.contains(first) { return arguments }
    var out: [String] = []
    for (i, argument) in arguments.enumerated() {
      out.append(argument)
      let next = i + 1 < arguments.count ? arguments[i + 1] : nil
      if argument == "--json", next == nil || (next!.hasPrefix("-") && next! != "-") { out.append("-") }
    }
    return out
  }
}
