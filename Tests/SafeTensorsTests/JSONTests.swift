import Support
import Testing
@testable import SafeTensors

@Suite("JSON")
struct JSONTests {
  @Test("parses nested values and keeps key order and number text")
  func parses() throws {
    let value = try JSONValue.parse(#" {"b": [1, -2.5e3, true, null], "a": {"x": "y\u00e9\n"}} "#)
    #expect(value.objectValue?.map(\.0) == ["b", "a"])
    #expect(value["b"]?.arrayValue?[1] == .number("-2.5e3"))
    #expect(value["a"]?["x"]?.stringValue == "yé\n")
    #expect(value["b"]?.arrayValue?[0].intValue == 1)
  }

  @Test("rejects what RFC 8259 rejects", arguments: [
    "", "{", "[1,]", "{\"a\":1,}", "01", "1.", ".5", "-", "\"\\x\"", "\"a\nb\"", "nul", "{\"a\" 1}", "[1] 2",
    "\"\\ud800\"", "\"\\udc00\"", "\"\\ud800\\u0041\"", "+1", "NaN",
  ])
  func rejects(text: String) {
    #expect(throws: JSONValue.ParseError.self) { try JSONValue.parse(text) }
  }

  @Test("rejects duplicate keys at any depth, naming the key")
  func duplicates() {
    do {
      _ = try JSONValue.parse(#"{"a": {"k": 1, "k": 2}}"#)
      Issue.record("accepted a duplicate key")
    } catch {
      #expect(error.duplicateKey == "k")
    }
  }

  @Test("refuses nesting deeper than 128 instead of overflowing the stack")
  func depth() {
    let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
    #expect(throws: JSONValue.ParseError.self) { try JSONValue.parse(deep) }
    let ok = String(repeating: "[", count: 100) + String(repeating: "]", count: 100)
    #expect(throws: Never.self) { try JSONValue.parse(ok) }
  }

  @Test("canonical text sorts keys, drops whitespace, escapes non-ASCII and normalises floats")
  func canonical() throws {
    let value = try JSONValue.parse(#"{"z": 1e-12, "a": [0.10, 3, 2.0], "é": "😀\"\t", "m": {"b": null, "a": false}}"#)
    #expect(value.canonicalText == #"{"a":[0.1,3,2.0],"m":{"a":false,"b":null},"z":1e-12,"\u00e9":"\ud83d\ude00\"\t"}"#)
  }
}
