import Support

/// A sharded checkpoint's index (`model.safetensors.index.json`, `pytorch_model.bin.index.json`,
/// `tf_model.h5.index.json`): which shard file holds each tensor.
public struct ShardIndex: Sendable {
  /// Indexes naming more shard files than this are refused before any shard is opened.
  public static let maxShards = 4096
  /// Larger index files are refused before they are read (a 100 000-tensor index is about 10 MB).
  public static let maxFileSize = 64 << 20

  /// The index file's path.
  public let path: String
  /// Tensor name → shard file name, in the index's order.
  public let weightMap: [(tensor: String, shard: String)]
  /// The distinct shard file names, in first-mention order.
  public let shards: [String]
  /// `metadata.total_size`, when present (informational: tools leave it stale).
  public let totalSize: Int?

  /// Reads and checks an index file.
  /// - Throws: ``SafeTensorsError`` with code `.invalidIndex` naming the file and what is wrong (including a file
  ///   over ``maxFileSize``), or `.io` when it cannot be read.
  public init(path: String) throws(SafeTensorsError) {
    let file = try MappedFile(path: path)
    guard file.count <= ShardIndex.maxFileSize else {
      throw SafeTensorsError(.invalidIndex, file: path, "is \(file.count) bytes, more than the limit of \(ShardIndex.maxFileSize) bytes for an index")
    }
    try self.init(json: file.withUnsafeBytes { Array($0) }, path: path)
  }

  /// Parses index JSON read from `path`.
  public init(json bytes: [UInt8], path: String) throws(SafeTensorsError) {
    func fail(_ detail: String) -> SafeTensorsError { SafeTensorsError(.invalidIndex, file: path, detail) }
    let json: JSONValue
    do { json = try JSONValue.parse(bytes) } catch { throw fail("not JSON: \(error)") }
    guard let map = json["weight_map"]?.objectValue else { throw fail("no 'weight_map' object") }
    var shards: [String] = []
    var seen = Set<UTF8Key>()  // file names are bytes: `café` NFC and NFD are two files
    var weightMap: [(String, String)] = []
    for (tensor, value) in map {
      guard let shard = value.stringValue else { throw fail("weight_map['\(tensor)'] is not a string") }
      // A NUL would end the path at open(2): the file read would not be the file named.
      guard !shard.isEmpty, !shard.contains("/"), !shard.contains("\\"), !shard.utf8.contains(0), shard != ".", shard != ".." else {
        throw fail("shard name '\(shard)' is not a plain file name")
      }
      if seen.insert(UTF8Key(shard)).inserted {
        shards.append(shard)
        guard shards.count <= ShardIndex.maxShards else { throw fail("names more than \(ShardIndex.maxShards) shard files") }
      }
      weightMap.append((tensor, shard))
    }
    guard !weightMap.isEmpty else { throw fail("'weight_map' is empty") }
    self.path = path
    self.weightMap = weightMap
    self.shards = shards
    self.totalSize = json["metadata"]?["total_size"]?.intValue
  }

  /// The directory holding the index (and its shards).
  public var directory: String {
    guard let slash = path.lastIndex(of: "/") else { return "." }
    return slash == path.startIndex ? "/" : String(path[..<slash])
  }

  /// The path of shard file `shard`.
  public func path(ofShard shard: String) -> String { directory + "/" + shard }
}
