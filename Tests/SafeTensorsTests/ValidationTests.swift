import Testing
import TestSupport
@testable import SafeTensors

/// One crafted file per rule of the reference implementation; each must fail with that rule named.
@Suite("Header validation")
struct ValidationTests {
  let dir = TemporaryDirectory()

  @Test("a file shorter than 8 bytes is too small")
  func tooSmall() {
    let (code, message) = openCode([1, 2, 3], in: dir)
    #expect(code == .headerTooSmall)
    #expect(message.contains("t.safetensors"))
    #expect(message.contains("header too small"))
  }

  @Test("a header length over 100 MB is refused before anything is read")
  func tooLarge() {
    let (code, message) = openCode(rawFile(header: "{}", declaredLength: 100_000_001), in: dir)
    #expect(code == .headerTooLarge)
    #expect(message.contains("100000000"))
  }

  @Test("a header length running past the file end")
  func pastEnd() {
    #expect(openCode(rawFile(header: "{}", declaredLength: 50), in: dir).0 == .invalidHeaderLength)
  }

  @Test("a header that is not UTF-8")
  func notUTF8() {
    var bytes = rawFile(header: "{\"a\":1}")
    bytes[10] = 0xFF
    #expect(openCode(bytes, in: dir).0 == .invalidHeader)
  }

  @Test("malformed JSON, a non-object header, a missing field, a bad shape", arguments: [
    "{\"a\":", "[]", "{\"a\":{\"dtype\":\"F32\",\"shape\":[1]}}", "{\"a\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,0]}}",
    "{\"a\":{\"dtype\":\"F32\",\"shape\":[1.5],\"data_offsets\":[0,4]}}", "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0]}}",
    "{\"a\":7}", "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},}",
  ])
  func deserialization(header: String) {
    #expect(openCode(rawFile(header: header, data: [0, 0, 0, 0]), in: dir).0 == .invalidHeaderDeserialization)
  }

  @Test("a duplicate tensor name is refused and named")
  func duplicate() {
    let header = "{\"w\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1]},\"w\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[1,2]}}"
    let (code, message) = openCode(rawFile(header: header, data: [1, 2]), in: dir)
    #expect(code == .duplicateKey)
    #expect(message.contains("'w'"))
  }

  @Test("an unknown dtype name")
  func unknownDType() {
    let (code, message) = openCode(rawFile(header: "{\"w\":{\"dtype\":\"F128\",\"shape\":[1],\"data_offsets\":[0,16]}}",
                                           data: Array(repeating: 0, count: 16)), in: dir)
    #expect(code == .unknownDType)
    #expect(message.contains("F128"))
  }

  @Test("__metadata__ values must be strings")
  func metadataNumber() {
    #expect(openCode(rawFile(header: "{\"__metadata__\":{\"format\":1}}"), in: dir).0 == .invalidMetadata)
    #expect(openCode(rawFile(header: "{\"__metadata__\":[\"pt\"]}"), in: dir).0 == .invalidMetadata)
  }

  @Test("offsets must start at 0, with no holes and no overlaps", arguments: [
    ("{\"a\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[1,2]}}", 2, "a"),
    ("{\"a\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1]},\"b\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[2,3]}}", 3, "b"),
    ("{\"a\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[0,2]},\"b\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[1,2]}}", 2, "b"),
    ("{\"a\":{\"dtype\":\"U8\",\"shape\":[0],\"data_offsets\":[1,0]}}", 1, "a"),
  ])
  func offsets(header: String, dataCount: Int, tensor: String) {
    let (code, message) = openCode(rawFile(header: header, data: Array(repeating: 7, count: dataCount)), in: dir)
    #expect(code == .invalidOffset)
    #expect(message.contains("'\(tensor)'"))
  }

  @Test("the byte span must equal numel × element size")
  func sizeMismatch() {
    let (code, message) = openCode(rawFile(header: "{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,4]}}",
                                           data: [0, 0, 0, 0]), in: dir)
    #expect(code == .tensorInvalidInfo)
    #expect(message.contains("needs 8 bytes"))
  }

  @Test("sub-byte tensors must fill whole bytes")
  func misaligned() {
    #expect(openCode(rawFile(header: "{\"w\":{\"dtype\":\"F4\",\"shape\":[3],\"data_offsets\":[0,2]}}", data: [0, 0]), in: dir).0 == .misalignedSlice)
  }

  @Test("shape products that overflow are caught")
  func overflow() {
    let big = "4611686018427387904"
    #expect(openCode(rawFile(header: "{\"w\":{\"dtype\":\"F32\",\"shape\":[\(big),\(big)],\"data_offsets\":[0,4]}}", data: [0, 0, 0, 0]), in: dir).0
            == .validationOverflow)
  }

  @Test("trailing bytes after the last tensor, or missing ones")
  func trailing() {
    let header = "{\"w\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[0,2]}}"
    #expect(openCode(rawFile(header: header, data: [1, 2, 3]), in: dir).0 == .metadataIncompleteBuffer)
    #expect(openCode(rawFile(header: "{}", data: [1]), in: dir).0 == .metadataIncompleteBuffer)
  }

  @Test("what the reference accepts: scalars, empty tensors, key order, whitespace padding, extra fields")
  func accepted() throws {
    let header = "  {\"z\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1],\"extra\":true},"
      + "\"e\":{\"dtype\":\"F32\",\"shape\":[0,3],\"data_offsets\":[1,1]},\"s\":{\"dtype\":\"U8\",\"shape\":[],\"data_offsets\":[1,2]}}   "
    let path = dir.file("ok.safetensors")
    FileManagerShim.write(rawFile(header: header, data: [9, 8]), to: path)
    let file = try SafeTensorsFile(path: path)
    #expect(file.tensors.map(\.name) == ["z", "e", "s"])
    #expect(file["s"]?.shape == [])
    #expect(file["s"]?.elementCount == 1)
    #expect(file["e"]?.byteCount == 0)
    #expect(file["s"]?.withUnsafeBytes { Array($0) } == [8])
  }

  @Test("a directory or a missing path is an I/O error naming it")
  func notAFile() {
    #expect(throws: SafeTensorsError.self) { try SafeTensorsFile(path: dir.path) }
    do {
      _ = try SafeTensorsFile(path: dir.file("absent.safetensors"))
      Issue.record("opened a missing file")
    } catch {
      #expect(error.code == .io)
      #expect(error.description.contains("absent.safetensors"))
    }
  }
}
