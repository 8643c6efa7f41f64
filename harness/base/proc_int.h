/*
 * proc_int: what proc's parts (proc.c, proc_watch.c) share and nothing else may use:
 * how many children a process guards, and the watcher that kills what kdive left.
 * Depends on proc.
 */
#ifndef KDIVE_PROC_INT_H
#define KDIVE_PROC_INT_H

#include <sys/types.h>

/* The live children one process guards (the registry's slots). */
#define PROC_MAX 64

/* Start the watcher, once (the first proc_start() does). */
void proc_watch_start(void);
/* Tell the watcher: 'G' a process group, 'P' a lone process (with its pidfd, or -1),
 * 'D' reaped. Nothing before the watcher started. */
void proc_watch_tell(char op, pid_t pid, int soft, int pidfd);
/* In a forked worker: drop the parent's watcher, which must see the parent's death
 * alone (the worker gets a watcher of its own when it starts a child). */
void proc_watch_leave(void);
/* Close this process's own watcher connection: the watcher ends what is left. */
void proc_watch_close(void);

#endif
