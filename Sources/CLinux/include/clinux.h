#ifndef CLINUX_H
#define CLINUX_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/// Linux calls that Swift's Glibc module does not declare (they need _GNU_SOURCE). SafeTensors' Syscalls.swift
/// is their only caller.

/// copy_file_range(2): copies up to `count` bytes from `in_fd` at `*in_offset` (advanced) to `out_fd` at its file
/// position. Returns the bytes copied, or -1 with errno set.
ssize_t clinux_copy_file_range(int in_fd, int64_t *in_offset, int out_fd, size_t count);

/// sync_file_range(2) with SYNC_FILE_RANGE_WRITE: starts writeback of `count` bytes at `offset` without waiting,
/// so a later fsync has less left to do. Returns 0, or -1 with errno set.
int clinux_start_writeback(int fd, int64_t offset, int64_t count);

#endif
