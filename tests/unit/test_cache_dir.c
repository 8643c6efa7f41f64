/* Unit tests for cache_dir: where the cache is, and whether it is trusted. */
#include "test.h"
#include "cache_dir.h"
#include "files.h"
#include "strbuf.h"
#include "wrapper.h"

#include <sys/stat.h>

TEST(cache_dir_follows_environment)
{
	setenv("KDIVE_CACHE", "/x/y", 1);
	char *d = kdive_cache_dir();
	EXPECT_STREQ(d, "/x/y");
	free(d);
	unsetenv("KDIVE_CACHE");
	setenv("XDG_CACHE_HOME", "/xdg", 1);
	d = kdive_cache_dir();
	EXPECT_STREQ(d, "/xdg/kdive");
	free(d);
	unsetenv("XDG_CACHE_HOME");
	setenv("HOME", "/home/u", 1);
	d = kdive_cache_dir();
	EXPECT_STREQ(d, "/home/u/.cache/kdive");
	free(d);
	/* without HOME: the passwd entry's home, never /tmp */
	char *home = xstrdup(getenv("HOME"));
	unsetenv("HOME");
	d = kdive_cache_dir();
	EXPECT_TRUE(strncmp(d, "/tmp/", 5) != 0);
	EXPECT_CONTAINS(d, "/.cache/kdive");
	free(d);
	setenv("HOME", home, 1);
	free(home);
}

TEST(cache_dir_must_be_the_users_own)
{
	struct strbuf why = STRBUF_INIT;
	char *dir = xstrfmt("%s/cache", test_tmpdir());
	ASSERT_EQ(mkdir_p(dir, 0755), 0);
	EXPECT_TRUE(cache_dir_trusted(dir, &why));
	chmod(dir, 0777);
	EXPECT_TRUE(!cache_dir_trusted(dir, &why));
	EXPECT_CONTAINS(why.buf, "writable by others (mode 777)");
	strbuf_reset(&why);
	EXPECT_TRUE(!cache_dir_trusted("/no/such/dir", &why));
	free(dir);
	strbuf_release(&why);
}
