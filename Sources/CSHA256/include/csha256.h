#ifndef CSHA256_H
#define CSHA256_H

#include <stddef.h>
#include <stdint.h>

/// SHA-256 block compression with the x86 SHA extensions (SHA-NI), which Swift cannot reach: its intrinsics
/// need a per-function target attribute. SafeTensors' SHA256 uses it when the CPU has them and keeps its own
/// Swift compression otherwise.

/// 1 when this CPU has SHA-NI, SSSE3 and SSE4.1 (CPUID), else 0 (always 0 off x86).
int csha256_hardware_available(void);

/// Compresses `blocks` 64-byte blocks of `data` into `state` (the eight words a…h). Call only when
/// csha256_hardware_available() returned 1.
void csha256_hardware_compress(uint32_t state[8], const uint8_t *data, size_t blocks);

#endif
