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

  @Test("refuses the 128th nested array or object as serde_json does, instead of overflowing the stack")
  func depth() {
    let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
    #expect(throws: JSONValue.ParseError.self) { try JSONValue.parse(deep) }
    func nested(_ n: Int, _ inner: String = "") -> String {
      String(repeating: "[", count: n) + inner + String(repeating: "]", count: n)
    }
    #expect(throws: Never.self) { try JSONValue.parse(nested(127)) }
    #expect(throws: Never.self) { try JSONValue.parse(nested(127, "1")) }  // scalars do not count
    #expect(throws: JSONValue.ParseError.self) { try JSONValue.parse(nested(128)) }
  }

  @Test("keys are bytes: NFC and NFD, K and the Kelvin sign are different keys; a repeated byte string is not")
  func byteKeys() throws {
    let value = try JSONValue.parse("{\"caf\u{E9}\":1,\"cafe\u{301}\":2,\"K\":3,\"\u{212A}\":4}")
    #expect(value.objectValue?.count == 4)
    #expect(value["cafe\u{301}"] == .number("2"))
    #expect(value["\u{212A}"] == .number("4"))
    #expect(value["K"] == .number("3"))
    #expect(JSONValue.string("caf\u{E9}") != JSONValue.string("cafe\u{301}"))
    #expect(throws: JSONValue.ParseError.self) { try JSONValue.parse(#"{"\u00e9":1,"é":2}"#) }
    // Canonical text orders keys by UTF-8 bytes: "K" < "cafe\u0301" < "caf\u00e9" < Kelvin.
    #expect(value.canonicalText == #"{"K":3,"cafe\u0301":2,"caf\u00e9":1,"\u212a":4}"#)
  }

  @Test("numbers beyond f64 are found anywhere (serde_json refuses them); 1e-400 and 0e400 are not beyond")
  func outOfRange() throws {
    #expect(try JSONValue.parse(#"{"a":[{"b":1e400}]}"#).hasNumberOutOfRange)
    #expect(try JSONValue.parse("[" + "1" + String(repeating: "0", count: 400) + "]").hasNumberOutOfRange)
    #expect(try JSONValue.parse("[-1e309]").hasNumberOutOfRange)
    #expect(try !JSONValue.parse("[1e-400, 0e400, 1e308, 18446744073709551616]").hasNumberOutOfRange)
  }

  @Test("canonical text sorts keys, drops whitespace, escapes non-ASCII and normalises floats")
  func canonical() throws {
    let value = try JSONValue.parse(#"{"z": 1e-12, "a": [0.10, 3, 2.0], "é": "😀\"\t", "m": {"b": null, "a": false}}"#)
    #expect(value.canonicalText == #"{"a":[0.1,3,2.0],"m":{"a":false,"b":null},"z":1e-12,"\u00e9":"\ud83d\ude00\"\t"}"#)
  }
}
