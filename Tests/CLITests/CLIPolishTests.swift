import CLISupport
import Foundation
import Testing
import TestSupport

/// How the tools talk to a user: progress, refusals with hints, help, warnings (README.md, "bert-convert").
@Suite("CLI polish")
struct CLIPolishTests {
  let convert = Binaries.path("bert-convert")
  let source = Fixtures.path("models/seqcls/safetensors")

  /// Runs `arguments` under `script`, so stderr is a pseudo-terminal; nil when util-linux `script` is missing.
  func onTerminal(_ arguments: [String], term: String) throws -> RunResult? {
    guard FileManager.default.isExecutableFile(atPath: "/usr/bin/script") else { return nil }
    let quoted = ([convert] + arguments).map { "'" + $0.replacingOccurrences(of: "'", with: "'\\''") + "'" }.joined(separator: " ")
    return try run("/usr/bin/script", ["-qec", quoted, "/dev/null"], environment: ["TERM": term, "COLUMNS": "100"])
  }

  @Test("on a terminal: one self-overwriting line with bytes, percentage and ETA, cleared at the end")
  func liveProgress() throws {
    let dir = TemporaryDirectory()
    guard let result = try onTerminal([source, "-o", dir.file("m.safetensors")], term: "xterm") else {
      #expect(!Python.inCI, "util-linux script is needed in CI")
      print("NOT RUN: no /usr/bin/script to give the tool a terminal")
      return
    }
    #expect(result.status == 0, "\(result.stdout)")
    #expect(result.stdout.contains("\r\u{1B}[K84.0 kB / 84.0 kB  100%  ETA 0:00  [41/41] classifier.bias"))
    #expect(result.stdout.contains(" / 84.0 kB  19%  ETA "))
    // Cleared before the result line.
    #expect(result.stdout.contains("\r\u{1B}[Kwrote "))
  }

  @Test("TERM=dumb: plain lines, no escape codes")
  func dumbTerminal() throws {
    let dir = TemporaryDirectory()
    guard let result = try onTerminal([source, "-o", dir.file("m.safetensors")], term: "dumb") else {
      #expect(!Python.inCI, "util-linux script is needed in CI")
      print("NOT RUN: no /usr/bin/script to give the tool a terminal")
      return
    }
    #expect(result.status == 0)
    #expect(!result.stdout.contains("\u{1B}"))
    #expect(result.stdout.contains("84.0 kB / 84.0 kB  100%  ETA 0:00\r\n"))
  }

  @Test("stderr not a terminal: no progress at all, so a failure stays one line")
  func pipe() throws {
    let dir = TemporaryDirectory()
    let result = try run(convert, [source, "-o", dir.file("m.safetensors")], environment: ["TERM": "xterm"])
    #expect(result.status == 0)
    #expect(result.stderr.isEmpty, "\(result.stderr.debugDescription)")
  }

  @Test("the progress text: bytes in powers of 1000, whole percent, m:ss or h:mm:ss left")
  func progressText() {
    #expect(ProgressDisplay.status(done: 0, total: 1000, elapsed: 0) == "0 B / 1.0 kB  0%  ETA --:--")
    #expect(ProgressDisplay.status(done: 110_000_000, total: 440_000_000, elapsed: 1.5) == "110.0 MB / 440.0 MB  25%  ETA 0:05")
    #expect(ProgressDisplay.status(done: 1, total: 3_600_000, elapsed: 1) == "1 B / 3.6 MB  0%  ETA 99:59:59")
    #expect(ProgressDisplay.duration(3725) == "1:02:05")
    #expect(ProgressDisplay.bytes(1_300_000_000) == "1.3 GB")
    #expect(ProgressStyle.current(environment: ["TERM": "xterm-256color"], isTerminal: true) == .live)
    #expect(ProgressStyle.current(environment: ["TERM": "dumb"], isTerminal: true) == .plain)
    #expect(ProgressStyle.current(environment: [:], isTerminal: true) == .plain)
    #expect(ProgressStyle.current(environment: ["TERM": "xterm"], isTerminal: false) == .none)
  }

  @Test("-o with another model file's extension: exit 2, one line with the hint, nothing written")
  func foreignOutputName() throws {
    let dir = TemporaryDirectory()
    for name in ["x.bin", "x.h5", "x.pt", "x.onnx", "x.gguf"] {
      let result = try run(convert, [source, "-o", dir.file(name)])
      #expect(result.status == 2)
      #expect(result.stderr.split(separator: "\n").count == 1)
      #expect(result.stderr.contains("-o x.safetensors"), "\(result.stderr)")
      #expect(FileManagerShim.list(dir.path).isEmpty)
    }
  }

  @Test("--help shows the default subcommand's options: verify's --golden and --text, convert's -o and --dtype")
  func defaultSubcommandHelp() throws {
    let verify = try run(Binaries.path("bert-verify"), ["--help"])
    #expect(verify.status == 0)
    for option in ["--golden <golden>", "--text <text>", "--atol", "--json <report>", "tokenize", "bench"] {
      #expect(verify.stdout.contains(option), "bert-verify --help lacks \(option)")
    }
    let convertHelp = try run(convert, ["-h"])
    #expect(convertHelp.status == 0)
    for option in ["-o, --output <output>", "--dtype <dtype>", "--shard-size", "inspect"] {
      #expect(convertHelp.stdout.contains(option), "bert-convert -h lacks \(option)")
    }
    // Subcommand help is unchanged.
    let tokenize = try run(Binaries.path("bert-verify"), ["tokenize", "--help"])
    #expect(!tokenize.stdout.contains("--golden"))
  }

  @Test("a directory output without tokenizer files warns on stderr; with them, or a .safetensors output, it does not")
  func tokenizerWarning() throws {
    let dir = TemporaryDirectory()
    let bare = try run(convert, [Fixtures.path("models/seqcls/bin"), "-o", dir.file("bare")])
    #expect(bare.status == 0)
    #expect(bare.stderr.hasPrefix("warning: no tokenizer files (vocab.txt, tokenizer.json"), "\(bare.stderr)")
    #expect(bare.stderr.contains(dir.file("bare")))
    let withTokenizer = try run(convert, [source, "-o", dir.file("full")])
    #expect(withTokenizer.status == 0)
    #expect(withTokenizer.stderr.isEmpty, "\(withTokenizer.stderr)")
    let file = try run(convert, [Fixtures.path("models/seqcls/bin"), "-o", dir.file("m.safetensors")])
    #expect(file.status == 0)
    #expect(file.stderr.isEmpty)
  }
}
