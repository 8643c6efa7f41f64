/*
 * What the fuzz targets share: an invariant check that aborts (a finding
 * libFuzzer saves), the check of "FILE:LINE:COL: message" diagnostics against the
 * text they are about, and an input cut into pieces. Built into each target by
 * tests/fuzz/fuzz.mk.
 */
#ifndef KDIVE_FUZZ_H
#define KDIVE_FUZZ_H

#include <stddef.h>
#include <stdint.h>

/* Abort when cond is false: libFuzzer reports the stack and saves the input. */
void fuzz_check(int cond);

/*
 * The length of the next piece of an input fed in pieces, as a pipe may deliver it:
 * 1 to max bytes drawn from *seed (start it from the input's size, so that a finding
 * replays), and no more than the left bytes.
 */
size_t fuzz_chunk(uint32_t *seed, size_t max, size_t left);

/*
 * Check err (len bytes) as the diagnostics of a parser that reports each bad line of
 * text once: every line is "FILE:LINE:COL: message" with file as given, LINE a line of
 * text ('\n'-separated, counted from 1) greater than the previous message's, and COL
 * at most one past that line's last byte. Aborts on anything else.
 */
void fuzz_check_line_messages(const char *file, const char *err, size_t len, const char *text);

#endif
