import Support
import Convert
import Models
import FuzzSupport
import SafeTensors

// config.json: the strict JSON parser, ModelConfig (per family), and the canonical config text written into every
// canonical file's metadata, which must itself be JSON that parses back to the same canonical text.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzConfig(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
  let path = "config.json"
  let json: JSONValue
  do {
    json = try JSONValue.parse(inputBytes(data, size))
  } catch {
    invariant(error.offset >= 0 && error.offset <= size, "parse error at offset \(error.offset) of \(size)")
    return 0
  }
  let canonical = json.canonicalText
  do {
    let again = try JSONValue.parse(canonical).canonicalText
    invariant(again == canonical, "canonical text does not round-trip: \(canonical.prefix(200))")
  } catch {
    invariant(false, "canonical text is not JSON (\(error)): \(canonical.prefix(200))")
  }
  do {
    let config = try ModelConfig(json: json, path: path)
    invariant(config.hiddenSize % config.numAttentionHeads == 0, "hidden size not a multiple of the heads")
    invariant(config.numLabels > 0, "no labels")
    let text = config.canonicalJSON
    invariant((try? JSONValue.parse(text)) != nil, "canonical config is not JSON: \(text.prefix(200))")
    _ = CanonicalWriter.metadata(for: config)
  } catch {
    checkErrorLine(error, naming: path)
  }
  return 0
}

runFuzzer(fuzzConfig)
