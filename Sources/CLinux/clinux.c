#define _GNU_SOURCE
#include "clinux.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

ssize_t clinux_copy_file_range(int in_fd, int64_t *in_offset, int out_fd, size_t count) {
#if defined(__linux__)
  loff_t offset = (loff_t)*in_offset;
  ssize_t n = copy_file_range(in_fd, &offset, out_fd, NULL, count, 0);
  *in_offset = (int64_t)offset;
  return n;
#else
  (void)in_fd; (void)in_offset; (void)out_fd; (void)count;
  errno = ENOSYS;
  return -1;
#endif
}

int clinux_start_writeback(int fd, int64_t offset, int64_t count) {
#if defined(__linux__)
  return sync_file_range(fd, (off64_t)offset, (off64_t)count, SYNC_FILE_RANGE_WRITE);
#else
  (void)fd; (void)offset; (void)count;
  return 0;
#endif
}
