/*
 * progress: a long operation's progress, handed to its watcher (progress.h). Depends
 * on libc only.
 */
#include "progress.h"

void progress_report(const struct progress *p, enum progress_event ev, const char *status,
		     const char *now)
{
	if (p && p->fn)
		p->fn(p->ctx, ev, status, now);
}
