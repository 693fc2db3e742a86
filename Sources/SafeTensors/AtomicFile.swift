import Support

/// Small files (a shard index, a config) written the way ``SafeTensorsWriter`` writes tensor files: into a
/// temporary file beside the destination, fsynced, then renamed into place — never a partial file at `path`.
public enum AtomicFile {
  /// Writes `bytes` to `path`.
  /// - Throws: ``SafeTensorsError`` `.io` naming `path`; the temporary file is removed.
  public static func write(_ bytes: [UInt8], to path: String) throws(SafeTensorsError) {
    let slash = path.lastIndex(of: "/")
    let directory = slash.map { String(path[...$0]) } ?? ""
    let base = slash.map { String(path[path.index(after: $0)...]) } ?? path
    let (fd, temporary) = try Syscalls.makeTemporaryFile(prefix: directory + "." + base + ".tmp-")
    do throws(SafeTensorsError) {
      try Syscalls.writeAll(fd, bytes, path)
      try Syscalls.fsync(fd, path)
      Syscalls.close(fd)
      try Syscalls.rename(temporary, path)
    } catch {
      Syscalls.close(fd)
      Syscalls.unlink(temporary)
      throw SafeTensorsError(.io, file: path, error.detail)
    }
    Syscalls.fsyncDirectory(slash.map { String(path[..<$0]).isEmpty ? "/" : String(path[..<$0]) } ?? ".")
  }
}
