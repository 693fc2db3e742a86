#define _GNU_SOURCE
#include "csafeoutput.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE (1 << 0)
#endif

int csafeoutput_rename_noreplace(const char *from, const char *to) {
#ifdef SYS_renameat2
  return (int)syscall(SYS_renameat2, AT_FDCWD, from, AT_FDCWD, to, RENAME_NOREPLACE);
#else
  errno = ENOSYS;
  return -1;
#endif
}

#define SLOTS 256

/// A path is published after its kind, so a handler that sees the path sees the right kind.
static _Atomic(char *) slot_paths[SLOTS];
static atomic_int slot_directory[SLOTS];
static atomic_int deferring;
static atomic_int pending_signal;
static atomic_int installed;

int csafeoutput_register(const char *path, int is_directory) {
  char *copy = strdup(path);
  if (copy == NULL) return -1;
  for (int i = 0; i < SLOTS; i++) {
    char *expected = NULL;
    if (atomic_load(&slot_paths[i]) != NULL) continue;
    atomic_store(&slot_directory[i], is_directory);
    if (atomic_compare_exchange_strong(&slot_paths[i], &expected, copy)) return i;
  }
  free(copy);
  return -1;
}

void csafeoutput_unregister(int slot) {
  if (slot >= 0 && slot < SLOTS) atomic_store(&slot_paths[slot], NULL);
}

/// Empties a directory one level deep with open, getdents64, unlinkat and close (all async-signal-safe), then
/// removes it.
static void remove_directory(const char *path) {
#ifdef SYS_getdents64
  int fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd >= 0) {
    static char buffer[8192] __attribute__((aligned(8)));
    for (;;) {
      long n = syscall(SYS_getdents64, fd, buffer, sizeof buffer);
      if (n <= 0) break;
      for (long offset = 0; offset < n;) {
        struct { uint64_t ino; int64_t off; unsigned short reclen; unsigned char type; char name[]; } *entry =
            (void *)(buffer + offset);
        const char *name = entry->name;
        if (!(name[0] == '.' && (name[1] == 0 || (name[1] == '.' && name[2] == 0)))) unlinkat(fd, name, 0);
        offset += entry->reclen;
      }
    }
    close(fd);
  }
#endif
  rmdir(path);
}

static void remove_all(void) {
  for (int i = SLOTS - 1; i >= 0; i--) {
    char *path = atomic_exchange(&slot_paths[i], NULL);
    if (path == NULL) continue;
    switch (atomic_load(&slot_directory[i])) {
    case 0: unlink(path); break;
    case 1: remove_directory(path); break;
    default: rmdir(path); break;  // 2: a directory removed only when empty
    }
  }
}

static void finish_signal(int sig) {
  int saved = errno;
  remove_all();
  signal(sig, SIG_DFL);
  raise(sig);
  errno = saved;
}

static void handler(int sig) {
  if (atomic_load(&deferring)) {
    atomic_store(&pending_signal, sig);
    return;
  }
  finish_signal(sig);
}

void csafeoutput_install_handlers(void) {
  int expected = 0;
  if (!atomic_compare_exchange_strong(&installed, &expected, 1)) return;
  struct sigaction action;
  memset(&action, 0, sizeof action);
  action.sa_handler = handler;
  sigemptyset(&action.sa_mask);
  sigaddset(&action.sa_mask, SIGINT);
  sigaddset(&action.sa_mask, SIGTERM);
  sigaddset(&action.sa_mask, SIGHUP);
  const int signals[] = {SIGINT, SIGTERM, SIGHUP};
  sigset_t unblock;
  sigemptyset(&unblock);
  for (int i = 0; i < 3; i++) {
    struct sigaction previous;
    // A signal the parent set to be ignored (nohup, a background job's SIGINT) stays ignored.
    if (sigaction(signals[i], NULL, &previous) == 0 && previous.sa_handler == SIG_IGN) continue;
    sigaction(signals[i], &action, NULL);
    sigaddset(&unblock, signals[i]);
  }
  // A process started from a thread that blocks signals (a dispatch worker spawning us) inherits that mask;
  // the handled signals are unblocked so that they reach the handler at all.
  pthread_sigmask(SIG_UNBLOCK, &unblock, NULL);
}

void csafeoutput_defer_signals(int on) {
  if (on) {
    atomic_store(&deferring, 1);
    return;
  }
  atomic_store(&deferring, 0);
  int sig = atomic_exchange(&pending_signal, 0);
  if (sig != 0) finish_signal(sig);
}
