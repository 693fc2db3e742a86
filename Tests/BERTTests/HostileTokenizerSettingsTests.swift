import Foundation
import Testing
import TestSupport

/// Tokenizer settings that used to trap (issue 17): each is one error line with exit 2, or read as transformers
/// reads it, through the built `bert-verify tokenize`.
@Suite("Hostile tokenizer settings")
struct HostileTokenizerSettingsTests {
  let dir = TemporaryDirectory()

  /// golden/tokenizer/cased with `edit` applied to its tokenizer.json and tokenizer_config.json (as JSON objects).
  func tokenizer(_ edit: (inout [String: Any], inout [String: Any]) -> Void) throws -> String {
    let source = Fixtures.path("tokenizer/cased")
    var definition = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: source + "/tokenizer.json"))) as! [String: Any]
    var config = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: source + "/tokenizer_config.json"))) as! [String: Any]
    edit(&definition, &config)
    try JSONSerialization.data(withJSONObject: definition).write(to: URL(fileURLWithPath: dir.file("tokenizer.json")))
    try JSONSerialization.data(withJSONObject: config).write(to: URL(fileURLWithPath: dir.file("tokenizer_config.json")))
    return dir.path
  }

  func tokenize(_ directory: String) throws -> RunResult {
    try run(Binaries.path("bert-verify"), ["tokenize", directory], input: "Hello world\n")
  }

  func expectOneLine(_ result: RunResult, _ words: [String]) {
    #expect(result.status == 2, "exit \(result.status): \(result.stderr)")
    #expect(result.stderr.split(separator: "\n").count == 1, "\(result.stderr)")
    for word in words { #expect(result.stderr.contains(word), "\(result.stderr) does not say \(word)") }
  }

  @Test("model_max_length -1e300 is ignored like any non-positive limit, not a trap")
  func hugeNegativeMaxLength() throws {
    let result = try tokenize(try tokenizer { _, config in config["model_max_length"] = -1e300 })
    #expect(result.status == 0, "exit \(result.status): \(result.stderr)")
    #expect(result.stdout.hasPrefix("[101,"), "\(result.stdout)")
  }

  @Test("a post-processor type_id of 2^40 or −1 is one error line naming type_id", arguments: [1 << 40, -1])
  func hugeTypeID(value: Int) throws {
    let result = try tokenize(try tokenizer { definition, _ in
      var processor = definition["post_processor"] as! [String: Any]
      var pair = processor["pair"] as! [[String: Any]]
      pair[3] = ["Sequence": ["id": "B", "type_id": value]]
      processor["pair"] = pair
      definition["post_processor"] = processor
    })
    expectOneLine(result, ["tokenizer.json", "type_id \(value)"])
  }

  @Test("an added token at Int32.max followed by a special token the vocabulary lacks is one error line")
  func addedTokenAtInt32Max() throws {
    let result = try tokenize(try tokenizer { definition, config in
      var added = definition["added_tokens"] as! [[String: Any]]
      added.append(["id": Int(Int32.max), "content": "[BIG]", "single_word": false, "lstrip": false, "rstrip": false,
                    "normalized": false, "special": true])
      definition["added_tokens"] = added
      config["mask_token"] = "[NEWMASK]"
    })
    expectOneLine(result, ["no id left", "[NEWMASK]"])
  }
}
