/*
 * sha256: SHA-256 (FIPS 180-4), streaming, and of a whole file; kdive names its cache
 * entries by it. Depends on libc only.
 */
#ifndef KDIVE_SHA256_H
#define KDIVE_SHA256_H

#include <stddef.h>
#include <stdint.h>

/* SHA-256, streaming. */
struct sha256 {
	uint32_t h[8];        /* chaining state */
	uint64_t bytes;       /* total bytes hashed so far */
	unsigned char blk[64];/* partial block */
	size_t blen;          /* bytes in blk */
};
void sha256_init(struct sha256 *c);
void sha256_update(struct sha256 *c, const void *data, size_t len);
/* Write the digest as 64 lowercase hex digits and a NUL into hex[65]. */
void sha256_final_hex(struct sha256 *c, char hex[65]);
/* 1 when the CPU's SHA extensions do the work (x86-64), 0 for the portable code. */
int sha256_accelerated(void);
/* Tests: 1, the portable code only; 0, whatever is fastest (the default). */
void sha256_use_generic(int on);
/* Hash a whole file; -1 (errno set) when it cannot be read. */
int sha256_file_hex(const char *path, char hex[65]);

#endif
