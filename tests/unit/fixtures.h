/* Shared fixtures of the unit tests. */
#ifndef KDIVE_TEST_FIXTURES_H
#define KDIVE_TEST_FIXTURES_H

#include "obs.h"
#include "scenario.h"

/*
 * Captured frames from a spec: "func@file:line!" separated by '|'; '!' marks an
 * inlined frame; "" is no frames. Frame i gets address base + i + 1. Caller frees the
 * frames (obs_run_release() does, once they are in a run).
 */
struct obs_frame *fixture_frames(const char *spec, size_t *n, uint64_t base);

#endif
