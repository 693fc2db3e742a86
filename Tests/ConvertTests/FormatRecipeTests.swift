import Foundation
import SafeTensors
import Testing
import TestSupport
@testable import Convert

/// The "Reading it" recipes of docs/FORMAT.md, taken from the page itself so the page and the test cannot drift.
@Suite("docs/FORMAT.md recipes")
struct FormatRecipeTests {
  static let page = String(decoding: FileManagerShim.read(Fixtures.root + "/docs/FORMAT.md") ?? [], as: UTF8.self)
  static let query = "bert.encoder.layer.0.attention.self.query.weight"

  /// The first ```language block after the line `heading`.
  static func block(under heading: String, language: String) throws -> String {
    let afterHeading = try #require(page.range(of: "\n" + heading + "\n"), "no heading \(heading) in docs/FORMAT.md")
    let rest = page[afterHeading.upperBound...]
    let open = try #require(rest.range(of: "```" + language + "\n"), "no \(language) block under \(heading)")
    let close = try #require(rest[open.upperBound...].range(of: "\n```\n"))
    return String(rest[open.upperBound..<close.lowerBound]) + "\n"
  }

  /// seqcls as a canonical F32 file and a canonical BF16 file.
  static func canonicalFiles(in dir: TemporaryDirectory) throws -> (f32: String, bf16: String) {
    try FileManager.default.createDirectory(atPath: dir.file("f32"), withIntermediateDirectories: true)
    try FileManager.default.createDirectory(atPath: dir.file("bf16"), withIntermediateDirectories: true)
    let source = Fixtures.path("models/seqcls/safetensors")
    try Conversion.run(source: source, output: dir.file("f32/model.safetensors"))
    try Conversion.run(source: source, output: dir.file("bf16/model.safetensors"), dtype: .bf16)
    return (dir.file("f32/model.safetensors"), dir.file("bf16/model.safetensors"))
  }

  /// The first element of a tensor as f32 (BF16 widened by the shift the numpy recipe uses).
  static func firstValue(_ path: String, _ name: String) throws -> Float {
    let view = try SafeTensorsFile(path: path).tensor(named: name)
    return view.withUnsafeBytes { raw in
      view.dtype == .bf16 ? Float(bitPattern: UInt32(raw.loadUnaligned(as: UInt16.self).littleEndian) << 16)
                          : raw.loadUnaligned(as: Float.self)
    }
  }

  @Test("C: compiles with -Wall -Werror (clang and gcc where present), maps the file, finds the header and data")
  func cRecipe() throws {
    let dir = TemporaryDirectory()
    let files = try Self.canonicalFiles(in: dir)
    let program = try Self.block(under: "### C, with mmap", language: "c") + """
      #include <stdio.h>
      int main(int argc, char **argv) {
          const char *header; uint64_t n; const uint8_t *data; size_t size;
          if (argc != 2 || map_canonical(argv[1], &header, &n, &data, &size) != 0) return 1;
          printf("%llu %zu %.9g %.*s\\n", (unsigned long long)n, size, (double)((const float *)data)[0], 1, header);
          return 0;
      }

      """
    FileManagerShim.write(Array(program.utf8), to: dir.file("recipe.c"))
    let bytes = try #require(FileManagerShim.read(files.f32))
    let headerLength = (0..<8).reduce(UInt64(0)) { $0 | UInt64(bytes[$1]) << (8 * UInt64($1)) }
    let expected = try Self.firstValue(files.f32, "bert.embeddings.word_embeddings.weight")
    FileManagerShim.write(Array(bytes.prefix(4)), to: dir.file("short"))
    FileManagerShim.write(Array(bytes.prefix(200)), to: dir.file("truncated"))
    var compiled = 0
    for compiler in ["clang", "gcc"] where (try? run(compiler, ["--version"]))?.status == 0 {
      let binary = dir.file("recipe-" + compiler)
      let build = try run(compiler, ["-Wall", "-Werror", "-o", binary, dir.file("recipe.c")])
      #expect(build.status == 0, "\(compiler): \(build.stderr)")
      guard build.status == 0 else { continue }
      compiled += 1
      let result = try run(binary, [files.f32])
      let fields = result.stdout.split(separator: " ")
      #expect(result.status == 0 && fields.count == 4)
      #expect(fields.first.flatMap { UInt64($0) } == headerLength)
      #expect(fields.dropFirst().first.flatMap { Int($0) } == bytes.count)
      #expect(fields.dropFirst(2).first.flatMap { Float(String($0)) } == expected)
      #expect(fields.last == "{\n")
      #expect(try run(binary, [dir.file("short")]).status == 1)
      #expect(try run(binary, [dir.file("truncated")]).status == 1)
    }
    #expect(compiled > 0, "no C compiler (the Swift toolchain brings clang)")
  }

  @Test("numpy alone: zero-copy F32 views; BF16 widened by the uint16 shift, within bf16 rounding of the F32 weights")
  func numpyRecipe() throws {
    guard Python.canImport(["numpy"]) else {
      #expect(!Python.inCI, "numpy is needed in CI")
      print("NOT RUN: no numpy in \(Python.executable)")
      return
    }
    let dir = TemporaryDirectory()
    let files = try Self.canonicalFiles(in: dir)
    let script = try Self.block(under: "### Python, with nothing but numpy (zero-copy)", language: "python") + """
      import sys
      f32, meta = open_canonical(sys.argv[1])
      bf16, _ = open_canonical(sys.argv[2])
      name = "\(Self.query)"
      a, b = f32[name], bf16[name]
      assert isinstance(a, np.memmap) and a.dtype == np.float32 and b.dtype == np.float32
      rel = float(np.max(np.abs(b - a) / np.maximum(np.abs(a), 1e-30)))
      print(json.dumps({"shape": list(b.shape), "rel": rel, "a": float(a.flat[0]), "b": float(b.flat[0]),
                        "hidden": json.loads(meta["config"])["hidden_size"], "count": len(bf16)}))

      """
    let result = try run(Python.executable, ["-c", script, files.f32, files.bf16])
    #expect(result.status == 0, "\(result.stderr)")
    let report = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
    #expect(report["shape"] as? [Int] == [32, 32])
    #expect(report["hidden"] as? Int == 32)
    #expect(report["count"] as? Int == 41)
    #expect((report["rel"] as? Double ?? 1) <= 1.0 / 256)
    let (a, b) = (try Self.firstValue(files.f32, Self.query), try Self.firstValue(files.bf16, Self.query))
    #expect((report["a"] as? Double).map(Float.init) == a)
    #expect((report["b"] as? Double).map(Float.init) == b)
  }

  @Test("safetensors for Python: the recipe reads weights and config; BF16 is refused by safetensors.numpy, as the page says")
  func safetensorsRecipe() throws {
    guard Python.canImport(["safetensors", "numpy"]) else {
      #expect(!Python.inCI, "safetensors and numpy are needed in CI")
      print("NOT RUN: no safetensors in \(Python.executable)")
      return
    }
    let dir = TemporaryDirectory()
    let files = try Self.canonicalFiles(in: dir)
    let recipe = try Self.block(under: "### Python, with safetensors", language: "python")
    let script = "import os, sys\nos.chdir(sys.argv[1])\n" + recipe
      + "print(q0.shape, config[\"hidden_size\"], repr(float(q0.flat[0])), len(weights))\n"
    let f32 = try run(Python.executable, ["-c", script, dir.file("f32")])
    #expect(f32.status == 0, "\(f32.stderr)")
    let first = try Self.firstValue(files.f32, Self.query)
    #expect(f32.stdout.hasPrefix("(32, 32) 32 "))
    #expect(f32.stdout.split(separator: " ").dropFirst(3).first.flatMap { Double(String($0)) }.map(Float.init) == first)
    #expect(f32.stdout.hasSuffix(" 41\n"))
    let bf16 = try run(Python.executable, ["-c", script, dir.file("bf16")])
    #expect(bf16.status != 0)
    #expect(bf16.stderr.contains("TypeError: data type 'bfloat16' not understood"), "\(bf16.stderr)")
    #expect(Self.page.contains("TypeError: data type 'bfloat16' not understood"))
  }
}
