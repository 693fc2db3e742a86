import Testing
import TestSupport
@testable import SafeTensors

/// The writer's output must open unchanged in the reference implementation and in plain numpy.
@Suite("Python interoperability")
struct PythonInteropTests {
  static let script = """
    import json, sys
    import numpy as np
    from safetensors.numpy import load_file
    from safetensors import safe_open
    path = sys.argv[1]
    t = load_file(path)
    assert t["w"].dtype == np.float32 and t["w"].shape == (2, 3), t["w"]
    assert t["w"].tolist() == [[1, 2, 3], [4, 5, 6]]
    assert t["h"].dtype == np.float16 and t["h"].tolist() == [1.0, -2.0]
    assert t["s"].shape == () and float(t["s"]) == 0.5
    with safe_open(path, framework="np") as f:
        assert f.metadata() == {"format": "pt", "config": "{}"}, f.metadata()
    # numpy.memmap with the offsets, as docs/FORMAT.md describes
    with open(path, "rb") as f:
        n = int.from_bytes(f.read(8), "little")
        header = json.loads(f.read(n))
    assert (8 + n) % 64 == 0
    info = header["w"]
    begin, end = info["data_offsets"]
    m = np.memmap(path, dtype="<f4", mode="r", offset=8 + n + begin, shape=tuple(info["shape"]))
    assert m.tolist() == [[1, 2, 3], [4, 5, 6]]
    print("ok")
    """

  @Test("safetensors (numpy) and numpy.memmap read the writer's output")
  func pythonReads() throws {
    guard Python.canImport(["safetensors", "numpy"]) else {
      if Python.inCI { Issue.record("CI must provide python3 with safetensors and numpy (BERTWEIGHTS_PYTHON)") }
      print("note: Python interoperability check NOT RUN: \(Python.executable) cannot import safetensors and numpy")
      return
    }
    let dir = TemporaryDirectory()
    let path = dir.file("out.safetensors")
    try writeFile(path, [
      (TensorHeader(name: "w", dtype: .f32, shape: [2, 3]), floats([1, 2, 3, 4, 5, 6])),
      (TensorHeader(name: "h", dtype: .f16, shape: [2]), [0x00, 0x3C, 0x00, 0xC0]),
      (TensorHeader(name: "s", dtype: .f32, shape: []), floats([0.5])),
    ], metadata: ["format": "pt", "config": "{}"])
    let result = try run(Python.executable, ["-c", PythonInteropTests.script, path])
    #expect(result.status == 0, "\(result.stderr)")
    #expect(result.stdout.contains("ok"))
  }
}
