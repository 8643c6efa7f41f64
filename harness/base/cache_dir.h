/*
 * cache_dir: where kdive keeps what it builds and downloads, and whether that place
 * can be trusted. Depends on wrapper and strbuf.
 */
#ifndef KDIVE_CACHE_DIR_H
#define KDIVE_CACHE_DIR_H

struct strbuf;

/*
 * $XDG_CACHE_HOME/kdive or ~/.cache/kdive (KDIVE_CACHE overrides both; without HOME,
 * the passwd entry's home); new string.
 */
char *kdive_cache_dir(void);
/* 1 when dir is a directory of this user's that others cannot write; else 0, why says. */
int cache_dir_trusted(const char *dir, struct strbuf *why);

#endif
