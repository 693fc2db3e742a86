#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A file's identity: device and inode, compared instead of path strings (two spellings, a symlink or a bind
/// mount of one file are the same file).
public struct FileIdentity: Hashable, Sendable {
  public let device: UInt64
  public let inode: UInt64

  init(device: UInt64, inode: UInt64) {
    (self.device, self.inode) = (device, inode)
  }

  /// The identity of what `path` resolves to, or nil when it does not resolve.
  public init?(path: String) {
    guard let id = Syscalls.identity(path) else { return nil }
    (device, inode) = id
  }
}

/// The rules every output of the tools follows (docs/SECURITY.md, "Output rules"): what may be at the output
/// path, temporaries named after it, publishing without replacing, parents created and removed again on failure.
public enum OutputPath {
  /// What is at an output path.
  public enum Existing: Sendable, Equatable {
    case nothing
    /// A regular file, or a symlink that does not lead to a directory (renaming over it replaces the link).
    case file
    /// A directory, or a symlink to one.
    case directory
  }

  /// What is at `path`.
  /// - Throws: ``SafeTensorsError`` `.io` for a device, FIFO or socket (following a symlink), which an output
  ///   must never replace.
  public static func existing(_ path: String) throws(SafeTensorsError) -> Existing {
    guard var kind = Syscalls.kind(path) else { return .nothing }
    if kind == S_IFLNK {
      var info = stat()
      guard stat(path, &info) == 0 else { return .file }
      kind = info.st_mode & S_IFMT
    }
    switch kind {
    case S_IFREG: return .file
    case S_IFDIR: return .directory
    case S_IFCHR, S_IFBLK: throw SafeTensorsError(.io, file: path, "is a device; an output must be a file or directory")
    case S_IFIFO: throw SafeTensorsError(.io, file: path, "is a FIFO; an output must be a file or directory")
    case S_IFSOCK: throw SafeTensorsError(.io, file: path, "is a socket; an output must be a file or directory")
    default: throw SafeTensorsError(.io, file: path, "is not a file or directory")
    }
  }

  /// `path` split into its directory (with a trailing `/`, or empty) and its last component.
  static func split(_ path: String) -> (directory: String, base: String) {
    var trimmed = Substring(path)
    while trimmed.count > 1 && trimmed.hasSuffix("/") { trimmed = trimmed.dropLast() }
    guard let slash = trimmed.lastIndex(of: "/") else { return ("", String(trimmed)) }
    return (String(trimmed[...slash]), String(trimmed[trimmed.index(after: slash)...]))
  }

  /// The directory holding `path` (`.` for a bare name).
  public static func parent(of path: String) -> String {
    let directory = split(path).directory
    return directory.isEmpty ? "." : directory == "/" ? "/" : String(directory.dropLast())
  }

  /// The prefix of this process's temporaries for `path`, beside it or inside `directory`:
  /// `DIR/.NAME.tmp-PID-` (a random suffix follows). The process id lets a later run recognise a leftover whose
  /// writer is gone (``removeStaleTemporaries(named:in:)``).
  public static func temporaryPrefix(for path: String, in directory: String? = nil) -> String {
    let (dir, base) = split(path)
    let place = directory.map { $0.hasSuffix("/") ? $0 : $0 + "/" } ?? dir
    return place + "." + base + ".tmp-\(Syscalls.processID)-"
  }

  /// Creates a hidden staging directory for `path` (beside it, or inside `directory`), registered for removal on
  /// a termination signal.
  public static func makeStagingDirectory(for path: String, in directory: String? = nil) throws(SafeTensorsError) -> (path: String, registration: TemporaryFiles.Registration) {
    let staging = try Syscalls.makeTemporaryDirectory(prefix: temporaryPrefix(for: path, in: directory))
    return (staging, TemporaryFiles.register(staging, directory: true))
  }

  /// Removes what runs for `path` left behind when they were killed (SIGKILL cannot be caught): entries named
  /// `.NAME.tmp-PID-XXXXXX` in `directory` whose process is gone — a file, or a staging directory with the files
  /// in it. Anything else, and temporaries of live processes, are left alone.
  public static func removeStaleTemporaries(named base: String, in directory: String) {
    let prefix = "." + base + ".tmp-"
    for name in Syscalls.directoryEntries(directory) where name.hasPrefix(prefix) {
      let rest = name.dropFirst(prefix.count)
      guard let dash = rest.firstIndex(of: "-"), let pid = Int32(rest[..<dash]),
            rest[rest.index(after: dash)...].count >= 6,
            rest[rest.index(after: dash)...].allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }),
            Syscalls.processIsGone(pid) else { continue }
      let path = (directory.hasSuffix("/") ? directory : directory + "/") + name
      switch Syscalls.kind(path) {
      case S_IFREG: Syscalls.unlink(path)
      case S_IFDIR:
        for entry in Syscalls.directoryEntries(path) where Syscalls.kind(path + "/" + entry) == S_IFREG {
          Syscalls.unlink(path + "/" + entry)
        }
        Syscalls.removeDirectory(path)
      default: continue
      }
    }
  }

  /// ``removeStaleTemporaries(named:in:)`` beside `path`.
  public static func removeStaleTemporaries(of path: String) {
    removeStaleTemporaries(named: split(path).base, in: parent(of: path))
  }

  /// Creates the missing directories above `path`, outermost first, and returns the ones it made (for
  /// ``removeCreated(_:)`` when the output fails).
  /// - Throws: ``SafeTensorsError`` `.io` naming `path` when a parent cannot be made or is not a directory.
  public static func createParents(of path: String) throws(SafeTensorsError) -> [String] {
    var missing: [String] = []
    var current = parent(of: path)
    while current != "." && current != "/" && Syscalls.kind(current) == nil {
      missing.append(current)
      current = parent(of: current)
    }
    var made: [String] = []
    for directory in missing.reversed() {
      do {
        if try Syscalls.makeDirectory(directory) { made.append(directory) }
      } catch {
        removeCreated(made)
        throw SafeTensorsError(.io, file: path, "cannot create its parent directory: \(error.detail)")
      }
    }
    if existingKind(parent(of: path)) != S_IFDIR {
      removeCreated(made)
      throw SafeTensorsError(.io, file: path, "its parent is not a directory")
    }
    return made
  }

  private static func existingKind(_ path: String) -> mode_t {
    var info = stat()
    return stat(path, &info) == 0 ? info.st_mode & S_IFMT : 0
  }

  /// Removes directories made by ``createParents(of:)``, innermost first, each only if empty.
  public static func removeCreated(_ directories: [String]) {
    for directory in directories.reversed() { Syscalls.removeDirectory(directory) }
  }

  /// Moves a finished temporary to `path`. Without `replacing`, nothing at `path` is ever replaced — the check is
  /// the rename itself (renameat2 RENAME_NOREPLACE, or link + unlink), so something that appeared at `path`
  /// while the temporary was written is left alone and this throws.
  /// - Throws: ``SafeTensorsError`` `.io` naming `path`; the temporary is left for the caller to remove.
  public static func publish(_ temporary: String, at path: String, replacing: Bool) throws(SafeTensorsError) {
    do {
      if replacing {
        _ = try existing(path)
        try Syscalls.rename(temporary, path)
      } else {
        try Syscalls.renameNoReplace(temporary, path)
      }
    } catch {
      if !replacing && Syscalls.kind(path) != nil {
        throw SafeTensorsError(.io, file: path, "appeared while converting and was left alone (use --force to replace it)")
      }
      throw SafeTensorsError(.io, file: path, error.detail)
    }
  }
}

extension OutputPath {
  /// Moves the files named `written` from `staging` into the existing `directory`, replacing files of the same
  /// name, and removes the files named `stale` from it; nothing else in `directory` is touched. All of it
  /// happens, or none: each replaced or removed file is first kept as a hard link `.NAME.old-PID-…` (a rename
  /// where links are impossible), and a failure moves every kept file back and removes the new ones. Termination
  /// signals wait until it is over (``TemporaryFiles/withSignalsDeferred(_:)``).
  /// - Throws: ``SafeTensorsError`` `.io` naming the file that could not be moved, after restoring the directory.
  public static func replaceFiles(_ written: [String], from staging: String, into directory: String, removing stale: [String]) throws(SafeTensorsError) {
    for name in written + stale {
      let kind = Syscalls.kind(directory + "/" + name)
      guard kind == nil || kind == S_IFREG || kind == S_IFLNK else {
        throw SafeTensorsError(.io, file: directory + "/" + name, "is not a regular file, so it is not replaced")
      }
    }
    try TemporaryFiles.withSignalsDeferred { () throws(SafeTensorsError) in
      var done: [(target: String, kept: String?)] = []
      do throws(SafeTensorsError) {
        for (index, name) in (written + stale).enumerated() {
          let target = directory + "/" + name
          var kept: String?
          if Syscalls.kind(target) != nil {
            let backup = directory + "/." + name + ".old-\(Syscalls.processID)-\(index)-\(UInt32.random(in: 0...UInt32.max))"
            do { try Syscalls.link(target, backup) } catch { try Syscalls.rename(target, backup) }
            kept = backup
          }
          done.append((target, kept))
          if index < written.count {
            try Syscalls.rename(staging + "/" + name, target)
          } else if Syscalls.kind(target) != nil {
            Syscalls.unlink(target)
          }
        }
      } catch {
        for (target, kept) in done.reversed() {
          // rename(2) between two links of one file does nothing, so the kept link is unlinked either way.
          if let kept { try? Syscalls.rename(kept, target); Syscalls.unlink(kept) } else { Syscalls.unlink(target) }
        }
        throw error
      }
      for case let (_, kept?) in done { Syscalls.unlink(kept) }
    }
    fsyncDirectory(directory)
  }

  /// fsync(2) of a directory, so renames inside it are durable. Best effort.
  public static func fsyncDirectory(_ path: String) { Syscalls.fsyncDirectory(path) }

  /// Removes a staging directory made by ``makeStagingDirectory(for:in:)`` with the regular files left in it.
  public static func removeStagingDirectory(_ path: String) {
    for entry in Syscalls.directoryEntries(path) where Syscalls.kind(path + "/" + entry) == S_IFREG {
      Syscalls.unlink(path + "/" + entry)
    }
    Syscalls.removeDirectory(path)
  }

  /// The names in a directory (not `.` or `..`); empty when it cannot be read.
  public static func entries(of directory: String) -> [String] { Syscalls.directoryEntries(directory) }
}
