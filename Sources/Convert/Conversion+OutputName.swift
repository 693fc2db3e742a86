import Foundation

extension Conversion {
  /// Extensions of the model files other tools write. An output named like one would otherwise become a directory
  /// named `x.bin` holding `model.safetensors`, which is never what was meant.
  public static let foreignModelExtensions = ["bin", "h5", "pt", "pth", "ckpt", "onnx", "gguf", "msgpack", "pb", "tflite", "keras"]

  /// Refuses an output named with another model file's extension, with a hint at the two forms bert-convert writes.
  /// - Throws: ``ConvertError`` `.output`.
  public static func checkOutputName(_ output: String) throws(ConvertError) {
    let url = URL(fileURLWithPath: output)
    let ext = url.pathExtension.lowercased()
    guard foreignModelExtensions.contains(ext) else { return }
    let stem = url.deletingPathExtension().lastPathComponent
    throw ConvertError(.output, file: output,
                       "names a .\(ext) file, but bert-convert writes safetensors only: use -o \(stem).safetensors for the"
                         + " canonical file, or -o \(stem) for a transformers-loadable directory")
  }
}
