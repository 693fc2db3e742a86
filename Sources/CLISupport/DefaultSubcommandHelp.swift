import ArgumentParser

extension ParsableCommand {
  /// The root's help followed by its default subcommand's help (its arguments and options), which
  /// ArgumentParser's root help leaves out although `tool MODEL --option` runs that subcommand.
  public static func helpIncludingDefaultSubcommand(columns: Int? = nil) -> String {
    var text = helpMessage(columns: columns)
    if let command = configuration.defaultSubcommand {
      let name = command._commandName
      text += "\n\nDEFAULT SUBCOMMAND: `\(configuration.commandName ?? name) ARGS…` runs `\(configuration.commandName ?? name) \(name) ARGS…`\n\n"
      text += helpMessage(for: command, columns: columns)
    }
    return text
  }

  /// True when `arguments` (without the program name) ask for the root's help: `--help`, `-h` or `help` alone.
  static func asksForRootHelp(_ arguments: [String]) -> Bool {
    arguments.count == 1 && ["--help", "-h", "help"].contains(arguments[0])
  }
}
