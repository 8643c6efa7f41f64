/*
 * progress: how a long operation says how far it is, and how the command layer
 * listens. Depends on libc only.
 */
#ifndef KDIVE_PROGRESS_H
#define KDIVE_PROGRESS_H

/*
 * Progress of a long operation (a kernel build), which the operation reports and the
 * command layer shows: a live status line on a terminal, lines now and then
 * otherwise, or nothing. The operation calls fn with an event and a status line
 * ("kernel: compiling, 1m05s, 209 objects (~40%)"), and with what it works on this
 * very moment in now ("CC kernel/fork.o", or NULL); for PROGRESS_DONE both are NULL.
 */
enum progress_event {
	PROGRESS_STAGE, /* a stage begins: show it now */
	PROGRESS_TICK,  /* still at it (about once a second): a display may refresh */
	PROGRESS_DONE,  /* a step is over: a live status line is cleared */
};
typedef void (*progress_fn)(void *ctx, enum progress_event ev, const char *status,
			    const char *now);
struct progress {
	progress_fn fn; /* NULL: nobody is watching */
	void *ctx;      /* fn's first argument; not owned */
};
/* Call p->fn when there is one (p may be NULL). */
void progress_report(const struct progress *p, enum progress_event ev, const char *status,
		     const char *now);

#endif
