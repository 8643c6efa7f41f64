/* Unit tests for the ustar writer and reader. */
#include "test.h"
#include "tar.h"
#include "strbuf.h"

/* A small archive: a file in a directory, a top file, written into out. */
static void sample(struct strbuf *out, uint32_t mtime)
{
	struct tar t;
	struct strbuf err = STRBUF_INIT;
	tar_init(&t, mtime);
	ASSERT_EQ(tar_add_file(&t, "scenario.scn", 0644, "program ./x\n", 12, &err), 0);
	ASSERT_EQ(tar_add_file(&t, "program/x.c", 0600, "int main;\n", 10, &err), 0);
	ASSERT_EQ(tar_add_file(&t, "empty", 0755, NULL, 0, &err), 0);
	tar_write(&t, out);
	tar_release(&t);
	strbuf_release(&err);
}

TEST(tar_ustar_layout)
{
	struct strbuf out = STRBUF_INIT;
	sample(&out, 1234);
	/* Sorted: empty, program/, program/x.c, scenario.scn; records of 10240 bytes. */
	EXPECT_EQ(out.len % 10240, 0);
	const char *h = out.buf;
	EXPECT_STREQ(h, "empty");
	EXPECT_TRUE(!memcmp(h + 257, "ustar\0" "00", 8));
	EXPECT_STREQ(h + 100, "0000755");
	EXPECT_STREQ(h + 108, "0000000");
	EXPECT_STREQ(h + 136, "00000002322"); /* 1234 in octal */
	EXPECT_STREQ(h + 265, "root");
	EXPECT_EQ(h[156], '0');
	EXPECT_TRUE(tar_is_archive(out.buf, out.len));
	h += 512; /* empty has no data block */
	EXPECT_STREQ(h, "program/");
	EXPECT_EQ(h[156], '5');
	h += 512;
	EXPECT_STREQ(h, "program/x.c");
	EXPECT_STREQ(h + 124, "00000000012");
	EXPECT_TRUE(!memcmp(h + 512, "int main;\n", 10));
	h += 1024;
	EXPECT_STREQ(h, "scenario.scn");
	strbuf_release(&out);
}

TEST(tar_same_entries_any_order_same_bytes)
{
	struct tar a, b;
	struct strbuf err = STRBUF_INIT, oa = STRBUF_INIT, ob = STRBUF_INIT;
	tar_init(&a, 7);
	tar_init(&b, 7);
	ASSERT_EQ(tar_add_file(&a, "b/c", 0644, "1", 1, &err), 0);
	ASSERT_EQ(tar_add_file(&a, "a", 0644, "2", 1, &err), 0);
	ASSERT_EQ(tar_add_file(&b, "a", 0644, "2", 1, &err), 0);
	ASSERT_EQ(tar_add_file(&b, "b/c", 0644, "1", 1, &err), 0);
	tar_write(&a, &oa);
	tar_write(&b, &ob);
	ASSERT_EQ(oa.len, ob.len);
	EXPECT_TRUE(!memcmp(oa.buf, ob.buf, oa.len));
	tar_release(&a);
	tar_release(&b);
	strbuf_release(&err);
	strbuf_release(&oa);
	strbuf_release(&ob);
}

TEST(tar_reads_back_what_it_writes)
{
	struct strbuf out = STRBUF_INIT, err = STRBUF_INIT;
	struct tar t;
	sample(&out, 99);
	tar_init(&t, 0);
	ASSERT_EQ(tar_read(&t, out.buf, out.len, &err), 0);
	EXPECT_EQ(t.nr, 4);
	const struct tar_entry *e = tar_find(&t, "program/x.c");
	ASSERT_TRUE(e != NULL);
	EXPECT_EQ(e->mode, 0600);
	EXPECT_EQ(e->len, 10);
	EXPECT_TRUE(!memcmp(e->data, "int main;\n", 10));
	e = tar_find(&t, "program");
	ASSERT_TRUE(e != NULL);
	EXPECT_TRUE(e->is_dir);
	e = tar_find(&t, "empty");
	ASSERT_TRUE(e != NULL);
	EXPECT_EQ(e->len, 0);
	EXPECT_EQ(e->mode, 0755);
	tar_release(&t);
	strbuf_release(&out);
	strbuf_release(&err);
}

TEST(tar_long_paths_split_into_prefix)
{
	struct tar t;
	struct strbuf err = STRBUF_INIT, out = STRBUF_INIT;
	char path[200];
	memset(path, 'd', 60);
	path[60] = '/';
	memset(path + 61, 'e', 60);
	strcpy(path + 121, "/file-with-a-name.c");
	tar_init(&t, 0);
	ASSERT_EQ(tar_add_file(&t, path, 0644, "x", 1, &err), 0);
	tar_write(&t, &out);
	tar_release(&t);
	/* The directories' headers, then the file's: prefix at 345, name at 0. */
	const char *h = out.buf + 1024;
	EXPECT_STREQ(h + 60, "/file-with-a-name.c");
	EXPECT_EQ(strnlen(h + 345, 155), 60);
	EXPECT_STREQ(out.buf + 512 + 345, "dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd");
	tar_init(&t, 0);
	ASSERT_EQ(tar_read(&t, out.buf, out.len, &err), 0);
	EXPECT_TRUE(tar_find(&t, path) != NULL);
	tar_release(&t);
	/* A component over 100 bytes cannot be carried. */
	memset(path, 'n', 150);
	path[150] = '\0';
	EXPECT_EQ(tar_add_file(&t, path, 0644, "x", 1, &err), -1);
	EXPECT_CONTAINS(err.buf, "too long for ustar");
	strbuf_release(&err);
	strbuf_release(&out);
}

TEST(tar_refuses_unclean_paths_when_adding)
{
	struct tar t;
	struct strbuf err = STRBUF_INIT;
	const char *bad[] = { "", "/abs", "../x", "a/../b", "a//b", "./a", "a/", "a/." };
	tar_init(&t, 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		EXPECT_EQ(tar_add_file(&t, bad[i], 0644, "x", 1, &err), -1);
	ASSERT_EQ(tar_add_file(&t, "a/b", 0644, "x", 1, &err), 0);
	strbuf_reset(&err);
	EXPECT_EQ(tar_add_file(&t, "a/b", 0644, "x", 1, &err), -1);
	EXPECT_CONTAINS(err.buf, "twice");
	EXPECT_EQ(tar_add_file(&t, "a/b/c", 0644, "x", 1, &err), -1);
	EXPECT_CONTAINS(err.buf, "is a file, not a directory");
	EXPECT_EQ(tar_add_dir(&t, "a", 0700, &err), 0);
	EXPECT_EQ(t.nr, 2);
	tar_release(&t);
	strbuf_release(&err);
}

/* Rewrite the header at h after a change, so that only the change is wrong. */
static void fix_sum(char *h)
{
	unsigned sum = 0;
	memset(h + 148, ' ', 8);
	for (int i = 0; i < 512; i++)
		sum += (unsigned char)h[i];
	snprintf(h + 148, 8, "%06o", sum);
	h[155] = ' ';
}

/* tar_read of buf must fail with a message that holds want, and leave t empty. */
static void expect_refused(const struct strbuf *buf, const char *want)
{
	struct tar t;
	struct strbuf err = STRBUF_INIT;
	tar_init(&t, 0);
	EXPECT_EQ(tar_read(&t, buf->buf, buf->len, &err), -1);
	EXPECT_CONTAINS(err.buf, want);
	EXPECT_EQ(t.nr, 0);
	strbuf_release(&err);
}

TEST(tar_reader_refuses_malformed_archives)
{
	struct strbuf a = STRBUF_INIT;
	sample(&a, 0);
	/* Not a tar at all, and cut short. */
	struct strbuf text = STRBUF_INIT;
	strbuf_addstr(&text, "scenario x\nprogram getpid\n");
	EXPECT_TRUE(!tar_is_archive(text.buf, text.len));
	expect_refused(&text, "without its end blocks");
	strbuf_grow(&text, 1024);
	memset(text.buf, 'x', 1024);
	text.len = 1024;
	expect_refused(&text, "not a ustar header");
	struct strbuf b = STRBUF_INIT;
	strbuf_add(&b, a.buf, 512 * 3);
	expect_refused(&b, "past the end");
	/* A flipped byte breaks the checksum. */
	strbuf_reset(&b);
	strbuf_add(&b, a.buf, a.len);
	b.buf[10] ^= 1;
	expect_refused(&b, "checksum");
	/* Paths that escape, a symbolic link, a bad number, a duplicate. */
	const char *escape[] = { "../x", "/etc/passwd", "a/../../b", "." };
	for (size_t i = 0; i < 4; i++) {
		strbuf_reset(&b);
		strbuf_add(&b, a.buf, a.len);
		memset(b.buf, 0, 100);
		memcpy(b.buf, escape[i], strlen(escape[i]));
		fix_sum(b.buf);
		expect_refused(&b, "not a clean relative path");
	}
	strbuf_reset(&b);
	strbuf_add(&b, a.buf, a.len);
	b.buf[156] = '2';
	fix_sum(b.buf);
	expect_refused(&b, "'empty' is a symbolic link");
	b.buf[156] = '0';
	memcpy(b.buf + 124, "0000000009x", 11);
	fix_sum(b.buf);
	expect_refused(&b, "bad size or mode");
	strbuf_reset(&b);
	strbuf_add(&b, a.buf, a.len);
	memcpy(b.buf + 1024, "empty\0\0\0\0\0\0\0\0", 12); /* program/x.c renamed */
	fix_sum(b.buf + 1024);
	expect_refused(&b, "'empty' is in the archive twice");
	/* An empty archive (just the end blocks) is one. */
	struct tar t;
	struct strbuf err = STRBUF_INIT;
	strbuf_reset(&b);
	tar_init(&t, 0);
	tar_write(&t, &b);
	EXPECT_EQ(tar_read(&t, b.buf, b.len, &err), 0);
	EXPECT_EQ(t.nr, 0);
	strbuf_release(&err);
	strbuf_release(&a);
	strbuf_release(&b);
	strbuf_release(&text);
}
