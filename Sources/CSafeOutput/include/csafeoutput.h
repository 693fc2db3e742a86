#ifndef CSAFEOUTPUT_H
#define CSAFEOUTPUT_H

/// What Swift cannot express safely for output files (docs/SECURITY.md, "Output rules"): a rename that never
/// replaces, and SIGINT/SIGTERM/SIGHUP handlers that remove registered temporaries using only
/// async-signal-safe calls (no allocation, no locks, no Swift runtime) before the signal ends the process.
/// Called from one Swift file, Sources/SafeTensors/Internal/Syscalls.swift (and TemporaryFiles.swift).

/// renameat2(from, to, RENAME_NOREPLACE): 0, or -1 with errno (EEXIST when `to` exists; EINVAL or ENOSYS
/// when the filesystem or kernel cannot do it).
int csafeoutput_rename_noreplace(const char *from, const char *to);

/// Records `path` (copied) as a temporary to remove when a termination signal arrives: unlinked (`is_directory`
/// 0), a staging directory emptied one level deep and removed (1), or a directory removed only if empty (2).
/// Slots are handled from the last to the first. Returns a slot for
/// csafeoutput_unregister, or -1 when every slot is taken (the temporary is then simply not cleaned up).
int csafeoutput_register(const char *path, int is_directory);

/// Forgets a slot (its copy of the path is kept, never freed: a handler may be reading it on another thread).
void csafeoutput_unregister(int slot);

/// Installs the handlers for SIGINT, SIGTERM and SIGHUP (once; later calls do nothing).
void csafeoutput_install_handlers(void);

/// While deferring (1), a termination signal is only recorded; ending the deferral (0) then removes the
/// temporaries and re-raises it. For the few renames that replace an output's files, which must complete or be
/// undone together.
void csafeoutput_defer_signals(int on);

#endif
