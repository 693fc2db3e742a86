import Support

/// Small files (a shard index, a config) written the way ``SafeTensorsWriter`` writes tensor files: into a
/// temporary file beside the destination, fsynced, then renamed into place — never a partial file at `path`.
public enum AtomicFile {
  /// Writes `bytes` to `path`; without `replacing`, an existing file at `path` is never replaced (the rename
  /// itself refuses, ``OutputPath/publish(_:at:replacing:)``).
  /// - Throws: ``SafeTensorsError`` `.io` naming `path`; the temporary file is removed.
  public static func write(_ bytes: [UInt8], to path: String, replacing: Bool = true) throws(SafeTensorsError) {
    let slash = path.lastIndex(of: "/")
    let (fd, temporary) = try Syscalls.makeTemporaryFile(prefix: OutputPath.temporaryPrefix(for: path))
    let registration = TemporaryFiles.register(temporary)
    defer { registration.unregister() }
    do throws(SafeTensorsError) {
      try Syscalls.writeAll(fd, bytes, path)
      try Syscalls.fsync(fd, path)
      Syscalls.close(fd)
      try OutputPath.publish(temporary, at: path, replacing: replacing)
    } catch {
      Syscalls.close(fd)
      Syscalls.unlink(temporary)
      throw SafeTensorsError(.io, file: path, error.detail)
    }
    Syscalls.fsyncDirectory(slash.map { String(path[..<$0]).isEmpty ? "/" : String(path[..<$0]) } ?? ".")
  }
}
