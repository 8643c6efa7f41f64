/*
 * timeutil: the monotonic clock, sleeping, and durations for people. Depends on strbuf.
 */
#ifndef KDIVE_TIMEUTIL_H
#define KDIVE_TIMEUTIL_H

#include <stdint.h>

struct strbuf;

/* Monotonic clock in milliseconds. */
int64_t now_ms(void);
/* Sleep ms milliseconds (signals do not cut it short). */
void sleep_ms(int ms);
/* "3m12s", "840ms", "1.2s": a human duration. */
void format_duration(struct strbuf *sb, int64_t ms);

#endif
