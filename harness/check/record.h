/*
 * record: the golden-update workflow's pure half. Given a scenario file's text, its
 * parse and what a run observed, write the text again with each stop's `frames` (and,
 * at kernel stops, `user`) block replaced by the observed frames, keeping everything
 * else: comments, narration, checks, and guarded frame lines whose guard does not hold
 * for this kernel (they describe other kernels). A stop without a block gets one at
 * the end of its body. Depends on scenario, obs, strbuf, wrapper.
 */
#ifndef KDIVE_RECORD_H
#define KDIVE_RECORD_H

#include "obs.h"
#include "scenario.h"
#include "strbuf.h"

/*
 * Rewrite text into out. strip is a NULL-terminated list of path prefixes removed
 * from observed file names (the kernel source tree, the build directory, the guest
 * programs' directory), so that the file suffixes stay short and portable. Stops never
 * reached keep their blocks. Returns the number of blocks written.
 */
int record_rewrite(const char *text, const struct scenario *sc, const struct obs_run *obs,
		   const char *kernel_version, const char *const *strip, struct strbuf *out);

#endif
