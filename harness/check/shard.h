/*
 * shard: which share of a run's (kernel x scenario) matrix a `kdive run --shard I/N`
 * runs. Pure. Depends on strbuf.
 *
 * The rule: the matrix's tasks are numbered as the run orders its results, kernel by
 * kernel and scenario by scenario (task t = k * nscenarios + i), and task t belongs to
 * shard t % N + 1. Every task belongs to exactly one shard, and the shards' sizes differ
 * by at most one. The same command line gives the same shares on every machine; a
 * longer list of scenarios or kernels moves tasks between shards (a hash of the task's
 * names would keep them, at the price of shards of unequal sizes: CI jobs want equal
 * ones, and kdive merge needs no stability from run to run).
 */
#ifndef KDIVE_SHARD_H
#define KDIVE_SHARD_H

#include "strbuf.h"
#include <stddef.h>

#define SHARD_MAX 64

/* One share: shard index of count (1 <= index <= count <= SHARD_MAX). */
struct shard {
	unsigned index; /* 1-based */
	unsigned count; /* 0: no sharding, every task */
};

/* Parse "I/N" into *s. 0, or -1 with a one-line reason in err. */
int shard_parse(struct shard *s, const char *text, struct strbuf *err);
/* 1 when task t (k * nscenarios + i) belongs to s (always, when s->count is 0). */
int shard_owns(const struct shard *s, size_t t);

#endif
