/* Unit tests for util: strbuf, strvec, SHA-256, JSON strings, file helpers. */
#include "test.h"
#include "util.h"

#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>

TEST(strbuf_grows_and_stays_terminated)
{
	struct strbuf sb = STRBUF_INIT;
	EXPECT_EQ(sb.len, 0);
	EXPECT_STREQ(sb.buf, "");
	for (int i = 0; i < 1000; i++)
		strbuf_addf(&sb, "%d,", i);
	EXPECT_EQ(sb.buf[sb.len], '\0');
	EXPECT_TRUE(!strncmp(sb.buf, "0,1,2,", 6));
	strbuf_reset(&sb);
	strbuf_addstr(&sb, "abc  \n");
	strbuf_rtrim(&sb);
	EXPECT_STREQ(sb.buf, "abc");
	char *d = strbuf_detach(&sb, NULL);
	EXPECT_STREQ(d, "abc");
	EXPECT_STREQ(sb.buf, "");
	free(d);
	strbuf_release(&sb);
}

TEST(strvec_builds_argv)
{
	struct strvec sv = STRVEC_INIT;
	EXPECT_TRUE(sv.v[0] == NULL);
	strvec_pushl(&sv, "make", "-C", "dir with space", NULL);
	strvec_pushf(&sv, "-j%d", 2);
	EXPECT_EQ(sv.nr, 4);
	EXPECT_TRUE(sv.v[4] == NULL);
	struct strbuf sb = STRBUF_INIT;
	strvec_join_display(&sv, &sb);
	EXPECT_STREQ(sb.buf, "make -C 'dir with space' -j2");
	strbuf_release(&sb);
	strvec_clear(&sv);
	EXPECT_EQ(sv.nr, 0);
}

static void sha_of(const char *s, char hex[65])
{
	struct sha256 c;
	sha256_init(&c);
	sha256_update(&c, s, strlen(s));
	sha256_final_hex(&c, hex);
}

TEST(sha256_known_vectors)
{
	char hex[65];
	sha_of("", hex);
	EXPECT_STREQ(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	sha_of("abc", hex);
	EXPECT_STREQ(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	sha_of("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", hex);
	EXPECT_STREQ(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
	/* One million 'a', fed in uneven pieces: the streaming path. */
	struct sha256 c;
	char buf[997];
	memset(buf, 'a', sizeof(buf));
	sha256_init(&c);
	size_t left = 1000000;
	while (left) {
		size_t n = left < sizeof(buf) ? left : sizeof(buf);
		sha256_update(&c, buf, n);
		left -= n;
	}
	sha256_final_hex(&c, hex);
	EXPECT_STREQ(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(files_mkdir_write_remove)
{
	char *root = xstrfmt("%s/a", test_tmpdir());
	char *deep = xstrfmt("%s/b/c", root);
	char *file = xstrfmt("%s/f", deep);
	ASSERT_EQ(mkdir_p(deep, 0755), 0);
	ASSERT_EQ(write_file_atomic(file, "hello", 5), 0);
	struct strbuf sb = STRBUF_INIT;
	ASSERT_EQ(strbuf_read_file(&sb, file), 0);
	EXPECT_STREQ(sb.buf, "hello");
	char hex[65];
	ASSERT_EQ(sha256_file_hex(file, hex), 0);
	EXPECT_STREQ(hex, "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824");
	EXPECT_EQ(remove_tree(root), 0);
	EXPECT_EQ(path_exists(root), 0);
	strbuf_release(&sb);
	free(root);
	free(deep);
	free(file);
}

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

TEST(strbuf_tail_takes_last_lines)
{
	struct strbuf sb = STRBUF_INIT;
	strbuf_add_tail(&sb, "one\ntwo\r\nthree\nfour\n\n", 2, "| ");
	EXPECT_STREQ(sb.buf, "| three\n| four\n");
	strbuf_reset(&sb);
	strbuf_add_tail(&sb, "a\nb", 0, "");
	EXPECT_STREQ(sb.buf, "a\nb\n");
	strbuf_reset(&sb);
	strbuf_add_tail(&sb, "", 5, "> ");
	EXPECT_STREQ(sb.buf, "");
	strbuf_release(&sb);
}

TEST(write_file_atomic_replaces_and_leaves_no_temporary)
{
	struct strbuf back = STRBUF_INIT;
	char *path = xstrfmt("%s/report.json", test_tmpdir());
	EXPECT_EQ(write_file_atomic(path, "{}\n", 3), 0);
	EXPECT_EQ(strbuf_read_file(&back, path), 0);
	EXPECT_STREQ(back.buf, "{}\n");
	/* replacing keeps no temporary behind */
	EXPECT_EQ(write_file_atomic(path, "[]\n", 3), 0);
	strbuf_reset(&back);
	EXPECT_EQ(strbuf_read_file(&back, path), 0);
	EXPECT_STREQ(back.buf, "[]\n");
	char *tmp = xstrfmt("%s.tmp.%d", path, (int)getpid());
	EXPECT_TRUE(!path_exists(tmp));
	free(tmp);
	free(path);

	path = xstrfmt("%s/no/such/dir/r.json", test_tmpdir());
	errno = 0;
	EXPECT_EQ(write_file_atomic(path, "x", 1), -1);
	EXPECT_EQ(errno, ENOENT);
	free(path);
	strbuf_release(&back);
}
