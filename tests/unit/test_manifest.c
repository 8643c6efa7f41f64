/* Unit tests for manifest: a cache entry's files recorded, then checked. */
#include "test.h"
#include "manifest.h"
#include "files.h"
#include "strbuf.h"
#include "wrapper.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

/* A fresh entry directory with a file at the top and one below. */
static char *make_entry(const char *name)
{
	char *dir = xstrfmt("%s/%s", test_tmpdir(), name);
	char *sub = xstrfmt("%s/progs", dir);
	char *a = xstrfmt("%s/vmlinux", dir), *b = xstrfmt("%s/progs/fork", dir);
	remove_tree(dir);
	mkdir_p(sub, 0755);
	write_file_atomic(a, "0123456789", 10);
	write_file_atomic(b, "fork", 4);
	free(sub);
	free(a);
	free(b);
	return dir;
}

TEST(manifest_records_and_accepts_an_intact_entry)
{
	struct strbuf err = STRBUF_INIT, why = STRBUF_INIT, text = STRBUF_INIT;
	char *dir = make_entry("m-intact");
	char *done = xstrfmt("%s/done", dir), *mp = xstrfmt("%s/MANIFEST", dir);
	write_file_atomic(done, "6.12", 4);
	const char *const skip[] = { "done", NULL };
	ASSERT_EQ(manifest_write(dir, skip, &err), 0);
	ASSERT_EQ(strbuf_read_file(&text, mp), 0);
	/* Sorted, skip and MANIFEST left out, sizes recorded. */
	EXPECT_TRUE(strstr(text.buf, " 4 ") && strstr(text.buf, " progs/fork\n"));
	EXPECT_TRUE(strstr(text.buf, " 10 ") && strstr(text.buf, " vmlinux\n"));
	EXPECT_TRUE(strstr(text.buf, "progs/fork") < strstr(text.buf, "vmlinux"));
	EXPECT_TRUE(!strstr(text.buf, "done") && !strstr(text.buf, "MANIFEST"));
	EXPECT_EQ(manifest_check(dir, &why), 0);
	EXPECT_STREQ(why.buf, "");
	/* The skipped marker may change freely. */
	write_file_atomic(done, "6.13", 4);
	EXPECT_EQ(manifest_check(dir, &why), 0);
	free(done);
	free(mp);
	free(dir);
	strbuf_release(&err);
	strbuf_release(&why);
	strbuf_release(&text);
}

TEST(manifest_finds_a_truncated_missing_or_rewritten_file)
{
	struct strbuf err = STRBUF_INIT, why = STRBUF_INIT;
	char *dir = make_entry("m-damaged");
	char *vm = xstrfmt("%s/vmlinux", dir), *fork = xstrfmt("%s/progs/fork", dir);
	ASSERT_EQ(manifest_write(dir, NULL, &err), 0);

	ASSERT_EQ(truncate(vm, 3), 0);
	EXPECT_EQ(manifest_check(dir, &why), -1);
	EXPECT_STREQ(why.buf, "'vmlinux' has 3 bytes, 10 were recorded");

	/* Same size, other bytes: the hash tells. */
	write_file_atomic(vm, "0123456780", 10);
	strbuf_reset(&why);
	EXPECT_EQ(manifest_check(dir, &why), -1);
	EXPECT_STREQ(why.buf, "'vmlinux' is not what was built (its SHA-256 changed)");

	/* The same bytes again (a new inode): accepted, and recorded anew. */
	write_file_atomic(vm, "0123456789", 10);
	strbuf_reset(&why);
	EXPECT_EQ(manifest_check(dir, &why), 0);

	unlink(fork);
	strbuf_reset(&why);
	EXPECT_EQ(manifest_check(dir, &why), -1);
	EXPECT_STREQ(why.buf, "'progs/fork' is missing");
	free(vm);
	free(fork);
	free(dir);
	strbuf_release(&err);
	strbuf_release(&why);
}

TEST(manifest_absent_or_damaged_is_told_apart)
{
	struct strbuf err = STRBUF_INIT, why = STRBUF_INIT;
	char *dir = make_entry("m-absent");
	char *mp = xstrfmt("%s/MANIFEST", dir);
	EXPECT_EQ(manifest_check(dir, &why), 1);
	ASSERT_EQ(manifest_write(dir, NULL, &err), 0);
	write_file_atomic(mp, "not a manifest\n", 15);
	EXPECT_EQ(manifest_check(dir, &why), -1);
	EXPECT_STREQ(why.buf, "its MANIFEST is damaged at line 1");
	write_file_atomic(mp, "", 0);
	strbuf_reset(&why);
	EXPECT_EQ(manifest_check(dir, &why), -1);
	EXPECT_STREQ(why.buf, "its MANIFEST is unreadable or cut short");
	free(mp);
	free(dir);
	strbuf_release(&err);
	strbuf_release(&why);
}

TEST(manifest_hashes_a_file_rewritten_in_place)
{
	/* Same inode, same size, other bytes: only the ctime tells that it changed, and
	 * then only the hash says how. */
	struct strbuf err = STRBUF_INIT, why = STRBUF_INIT;
	char *dir = make_entry("m-in-place");
	char *vm = xstrfmt("%s/vmlinux", dir);
	ASSERT_EQ(manifest_write(dir, NULL, &err), 0);
	struct stat before, after;
	ASSERT_EQ(stat(vm, &before), 0);
	usleep(20000); /* past the file system's timestamp granularity */
	int fd = open(vm, O_WRONLY | O_CLOEXEC);
	ASSERT_TRUE(fd >= 0);
	ASSERT_EQ(pwrite(fd, "X", 1, 4), 1);
	close(fd);
	ASSERT_EQ(stat(vm, &after), 0);
	ASSERT_EQ(after.st_ino, before.st_ino);
	ASSERT_EQ(after.st_size, before.st_size);
	EXPECT_EQ(manifest_check(dir, &why), -1);
	EXPECT_STREQ(why.buf, "'vmlinux' is not what was built (its SHA-256 changed)");
	free(vm);
	free(dir);
	strbuf_release(&err);
	strbuf_release(&why);
}
