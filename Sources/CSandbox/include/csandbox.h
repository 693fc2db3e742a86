#ifndef CSANDBOX_H
#define CSANDBOX_H

// The seccomp filter and resource limits of bert-hdf5-reader, the child process that runs libhdf5
// (docs/SECURITY.md). Linux only; elsewhere every function fails with ENOSYS.

/// Caps the calling process's address space (RLIMIT_AS) at `memory_bytes` and its CPU time (RLIMIT_CPU) at
/// `cpu_seconds`. Returns 0, or -1 with errno set.
int csandbox_limit(unsigned long long memory_bytes, unsigned long long cpu_seconds);

/// Installs the filter for the rest of the process's life (PR_SET_NO_NEW_PRIVS, then SECCOMP_MODE_FILTER):
/// reading files already open or opened read-only, memory management, futexes, clocks, writes to file
/// descriptors 1 and 2 only, exit. No executable mappings, no network, no exec, no new writable files.
/// Anything else kills the process (SIGSYS). Returns 0, or -1 with errno set.
int csandbox_restrict(void);

/// Test hooks: what a compromised libhdf5 would try after the filter is in place.
int csandbox_try_socket(void);
int csandbox_try_exec(void);
int csandbox_try_write_file(const char *path);
void csandbox_crash(void);

#endif
