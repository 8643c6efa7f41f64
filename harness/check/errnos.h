/*
 * errnos: the names of Linux x86-64 errno numbers (ENOENT is 2), both ways: scenario
 * checks write kernel error returns as -ERRNO, and reports show -2 as "-2 (-ENOENT)".
 * A fixed table, unlike the syscall table: the numbers do not change between kernel
 * versions. Pure; depends on libc only.
 */
#ifndef KDIVE_ERRNOS_H
#define KDIVE_ERRNOS_H

#include <stddef.h>
#include <stdint.h>

/*
 * "ENOENT" for 2, NULL when the number has no known name. Where two names share a
 * number the usual one wins (11 is EAGAIN, not EWOULDBLOCK).
 */
const char *errnos_name(int64_t errnum);
/* The number of the name s[0..n) ("ENOENT": 2; any known alias too), or -1. */
int errnos_find(const char *s, size_t n);

#endif
