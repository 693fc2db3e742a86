#define _GNU_SOURCE
#include "csandbox.h"
#include <errno.h>

#if defined(__linux__)
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#if defined(__x86_64__)
#define CSANDBOX_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define CSANDBOX_ARCH AUDIT_ARCH_AARCH64
#endif

int csandbox_limit(unsigned long long memory_bytes, unsigned long long cpu_seconds) {
  struct rlimit memory = {memory_bytes, memory_bytes};
  struct rlimit cpu = {cpu_seconds, cpu_seconds + 5};  // SIGXCPU at the soft limit, SIGKILL 5 s later
  if (setrlimit(RLIMIT_AS, &memory) != 0) return -1;
  if (setrlimit(RLIMIT_CPU, &cpu) != 0) return -1;
  struct rlimit none = {0, 0};
  (void)setrlimit(RLIMIT_CORE, &none);   // a crash leaves no core file
  (void)setrlimit(RLIMIT_FSIZE, &none);  // and the child can grow no file
  return 0;
}

#ifdef CSANDBOX_ARCH

#define LOAD_NR BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr))
#define LOAD_ARG_LO(i) BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[i]))
#define LOAD_ARG_HI(i) BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[i]) + 4)
#define ALLOW(nr) BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (nr), 0, 1), BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW)
#define DENY(nr, err) BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (nr), 0, 1), BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (err))

int csandbox_restrict(void) {
  struct sock_filter filter[] = {
    // 1. Only this architecture's calling convention.
    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, CSANDBOX_ARCH, 1, 0),
    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
    LOAD_NR,
#if defined(__x86_64__)
    // x32 system calls (nr ≥ 0x40000000) are another ABI: refused.
    BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, 0x40000000, 0, 1),
    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
#endif

    // 2. write and writev only to file descriptors 1 (the channel back to the parent) and 2.
    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_write, 1, 0),
    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_writev, 0, 6),
    LOAD_ARG_HI(0),
    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 3),
    LOAD_ARG_LO(0),
    BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, 3, 1, 0),  // fd 0..2 (0 is the same socket as 1)
    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),

    // 3. mmap and mprotect never with PROT_EXEC: no code can be loaded (libhdf5 filter plugins included).
    LOAD_NR,
    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_mmap, 1, 0),
    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_mprotect, 0, 4),
    LOAD_ARG_LO(2),
    BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, PROT_EXEC, 0, 1),
    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EACCES),
    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),

    // 4. openat only read-only: no O_WRONLY, O_RDWR, O_CREAT, O_TRUNC, O_APPEND (refused with EACCES).
    LOAD_NR,
    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_openat, 0, 4),
    LOAD_ARG_LO(2),
    BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, O_WRONLY | O_RDWR | O_CREAT | O_TRUNC | O_APPEND | O_TMPFILE, 0, 1),
    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EACCES),
    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),

    // 5. Reading, memory, time, exit.
    LOAD_NR,
    ALLOW(__NR_read), ALLOW(__NR_pread64), ALLOW(__NR_readv), ALLOW(__NR_preadv), ALLOW(__NR_lseek),
    ALLOW(__NR_fstat), ALLOW(__NR_newfstatat), ALLOW(__NR_statx), ALLOW(__NR_close), ALLOW(__NR_fcntl),
    ALLOW(__NR_flock),
    ALLOW(__NR_munmap), ALLOW(__NR_mremap), ALLOW(__NR_brk), ALLOW(__NR_madvise),
    ALLOW(__NR_futex), ALLOW(__NR_getrandom), ALLOW(__NR_clock_gettime), ALLOW(__NR_gettimeofday),
    ALLOW(__NR_nanosleep), ALLOW(__NR_clock_nanosleep), ALLOW(__NR_sched_yield), ALLOW(__NR_getpid),
    ALLOW(__NR_gettid), ALLOW(__NR_getrusage), ALLOW(__NR_rt_sigreturn), ALLOW(__NR_rt_sigprocmask),
    ALLOW(__NR_restart_syscall), ALLOW(__NR_exit), ALLOW(__NR_exit_group),
#ifdef __NR_fstatfs
    ALLOW(__NR_fstatfs),
#endif
    // Harmless queries answered with an error rather than a kill.
    DENY(__NR_ioctl, ENOTTY), DENY(__NR_sched_getaffinity, EPERM), DENY(__NR_prlimit64, EPERM),

    // 6. Everything else — socket, connect, execve, fork, ptrace, kill, … — ends the process.
    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
  };
  struct sock_fprog program = {(unsigned short)(sizeof(filter) / sizeof(filter[0])), filter};
  // A crash must end the process with its own signal: the Swift runtime's crash handlers would try to start a
  // backtracer (forbidden here) and turn every crash into SIGSYS.
  int crashes[] = {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGTRAP};
  for (unsigned i = 0; i < sizeof(crashes) / sizeof(crashes[0]); i++) signal(crashes[i], SIG_DFL);
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return -1;
  if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &program, 0, 0) != 0) return -1;
  return 0;
}

#else
int csandbox_restrict(void) { errno = ENOSYS; return -1; }
#endif

int csandbox_try_socket(void) { return socket(AF_INET, SOCK_STREAM, 0); }

int csandbox_try_exec(void) {
  char *argv[] = {"/bin/true", 0};
  char *envp[] = {0};
  return execve("/bin/true", argv, envp);
}

int csandbox_try_write_file(const char *path) { return open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600); }

void csandbox_crash(void) {
  volatile int *volatile nowhere = 0;
  *nowhere = 1;
}

#else  // not Linux

int csandbox_limit(unsigned long long memory_bytes, unsigned long long cpu_seconds) {
  (void)memory_bytes; (void)cpu_seconds; errno = ENOSYS; return -1;
}
int csandbox_restrict(void) { errno = ENOSYS; return -1; }
int csandbox_try_socket(void) { errno = ENOSYS; return -1; }
int csandbox_try_exec(void) { errno = ENOSYS; return -1; }
int csandbox_try_write_file(const char *path) { (void)path; errno = ENOSYS; return -1; }
void csandbox_crash(void) {}
#endif
