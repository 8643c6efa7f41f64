/*
 * cache_dir: where kdive's cache is, and whether to trust it (cache_dir.h). Depends on
 * wrapper and strbuf.
 */
#include "cache_dir.h"
#include "strbuf.h"
#include "wrapper.h"

#include <errno.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

char *kdive_cache_dir(void)
{
	const char *s = getenv("KDIVE_CACHE");
	if (s && *s)
		return xstrdup(s);
	s = getenv("XDG_CACHE_HOME");
	if (s && *s == '/')
		return xstrfmt("%s/kdive", s);
	s = getenv("HOME");
	if (!s || !*s) {
		/* Never a shared place like /tmp: the passwd entry's home. */
		struct passwd *pw = getpwuid(getuid());
		s = pw && pw->pw_dir && *pw->pw_dir ? pw->pw_dir : "/";
	}
	return xstrfmt("%s/.cache/kdive", s);
}

int cache_dir_trusted(const char *dir, struct strbuf *why)
{
	struct stat st;
	if (stat(dir, &st) < 0) {
		strbuf_addf(why, "cannot read '%s': %s", dir, strerror(errno));
		return 0;
	}
	if (!S_ISDIR(st.st_mode)) {
		strbuf_addf(why, "'%s' is not a directory", dir);
		return 0;
	}
	/* kdive runs make in the trees it finds there and sources their gdb scripts. */
	if (st.st_uid != geteuid()) {
		strbuf_addf(why, "'%s' belongs to uid %u, not to you (uid %u)", dir,
			    (unsigned)st.st_uid, (unsigned)geteuid());
		return 0;
	}
	if (st.st_mode & 022) {
		strbuf_addf(why, "'%s' is writable by others (mode %03o)", dir,
			    (unsigned)(st.st_mode & 0777));
		return 0;
	}
	return 1;
}
