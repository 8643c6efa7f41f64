/* Unit tests for the newc cpio writer. */
#include "test.h"
#include "cpio.h"
#include "strbuf.h"

#include <sys/stat.h>

/* Parse the 8-hex-digit field i of the header at h. */
static unsigned field(const char *h, int i)
{
	char buf[9];
	memcpy(buf, h + 6 + 8 * i, 8);
	buf[8] = '\0';
	return (unsigned)strtoul(buf, NULL, 16);
}

TEST(cpio_newc_layout)
{
	struct cpio c;
	struct strbuf err = STRBUF_INIT, out = STRBUF_INIT;
	cpio_init(&c, 1234);
	ASSERT_EQ(cpio_add_file(&c, "/init", 0755, "#!/bin/sh\n", 10, &err), 0);
	ASSERT_EQ(cpio_add_dir(&c, "/dev", 0755, &err), 0);
	ASSERT_EQ(cpio_add_node(&c, "/dev/console", 0600, 'c', 5, 1, &err), 0);
	ASSERT_EQ(cpio_add_symlink(&c, "/bin/sh", "/bin/busybox", &err), 0);
	cpio_write(&c, &out);
	/* Sorted: bin/sh, dev, dev/console, init, then the trailer. */
	const char *h = out.buf;
	ASSERT_TRUE(!strncmp(h, "070701", 6));
	EXPECT_EQ(field(h, 1), S_IFLNK | 0777);
	EXPECT_EQ(field(h, 5), 1234);
	EXPECT_EQ(field(h, 2), 0);
	EXPECT_EQ(field(h, 3), 0);
	EXPECT_STREQ(h + 110, "bin/sh");
	EXPECT_EQ(field(h, 11), 7);
	/* Header + name padded to 4, then the data padded to 4. */
	size_t off = (110 + 7 + 3) & ~3u;
	EXPECT_TRUE(!memcmp(out.buf + off, "/bin/busybox", 12));
	off = (off + 12 + 3) & ~3u;
	h = out.buf + off;
	EXPECT_STREQ(h + 110, "dev");
	EXPECT_EQ(field(h, 1), S_IFDIR | 0755);
	off = (off + 110 + 4 + 3) & ~3u;
	h = out.buf + off;
	EXPECT_STREQ(h + 110, "dev/console");
	EXPECT_EQ(field(h, 1), S_IFCHR | 0600);
	EXPECT_EQ(field(h, 9), 5);
	EXPECT_EQ(field(h, 10), 1);
	EXPECT_TRUE(strstr(out.buf + out.len - 20, "TRAILER!!!") != NULL);
	EXPECT_EQ(out.len % 4, 0);
	strbuf_release(&err);
	strbuf_release(&out);
	cpio_release(&c);
}

TEST(cpio_same_entries_any_order_same_bytes)
{
	struct cpio a, b;
	struct strbuf err = STRBUF_INIT, oa = STRBUF_INIT, ob = STRBUF_INIT;
	cpio_init(&a, 0);
	cpio_init(&b, 0);
	cpio_add_dir(&a, "/x", 0755, &err);
	cpio_add_file(&a, "/x/f", 0644, "data", 4, &err);
	cpio_add_file(&a, "/y", 0644, "", 0, &err);
	cpio_add_file(&b, "/y", 0644, "", 0, &err);
	cpio_add_file(&b, "/x/f", 0644, "data", 4, &err);
	cpio_add_dir(&b, "/x", 0755, &err);
	cpio_write(&a, &oa);
	cpio_write(&b, &ob);
	EXPECT_EQ(oa.len, ob.len);
	EXPECT_TRUE(oa.len == ob.len && !memcmp(oa.buf, ob.buf, oa.len));
	strbuf_release(&err);
	strbuf_release(&oa);
	strbuf_release(&ob);
	cpio_release(&a);
	cpio_release(&b);
}

TEST(cpio_rejects_duplicates_and_bad_nodes)
{
	struct cpio c;
	struct strbuf err = STRBUF_INIT;
	cpio_init(&c, 0);
	EXPECT_EQ(cpio_add_dir(&c, "/a", 0755, &err), 0);
	EXPECT_EQ(cpio_add_file(&c, "a", 0644, "", 0, &err), -1);
	EXPECT_CONTAINS(err.buf, "'/a' is added twice");
	EXPECT_EQ(cpio_add_node(&c, "/n", 0600, 'x', 1, 1, &err), -1);
	EXPECT_CONTAINS(err.buf, "type must be c or b");
	strbuf_release(&err);
	cpio_release(&c);
}

/*
 * Read the archive back as the kernel does: each header at a 4-byte boundary, its
 * name after it, the data at the next boundary. The names and data, one "name=data;"
 * each, up to the trailer; "bad at N" when a header is not where one must be.
 */
static char *read_back(const struct strbuf *a)
{
	struct strbuf got = STRBUF_INIT;
	size_t off = 0;
	while (off + 110 <= a->len && !strncmp(a->buf + off, "070701", 6)) {
		const char *h = a->buf + off;
		size_t namesize = field(h, 11), size = field(h, 6);
		size_t data = (off + 110 + namesize + 3) & ~(size_t)3;
		if (data + size > a->len)
			break;
		if (!strcmp(h + 110, "TRAILER!!!")) {
			if (data != a->len)
				strbuf_addf(&got, "%zu bytes after the trailer", a->len - data);
			return strbuf_detach(&got, NULL);
		}
		strbuf_addf(&got, "%s=%.*s;", h + 110, (int)size, a->buf + data);
		off = (data + size + 3) & ~(size_t)3;
	}
	strbuf_addf(&got, "bad at %zu", off);
	return strbuf_detach(&got, NULL);
}

TEST(cpio_every_entry_starts_at_a_4_byte_boundary)
{
	/* Data of 1 to 7 bytes and names of several lengths: every padding there is. */
	struct cpio c;
	struct strbuf err = STRBUF_INIT, out = STRBUF_INIT;
	cpio_init(&c, 0);
	ASSERT_EQ(cpio_add_file(&c, "/a", 0644, "1", 1, &err), 0);
	ASSERT_EQ(cpio_add_file(&c, "/bb", 0644, "22", 2, &err), 0);
	ASSERT_EQ(cpio_add_file(&c, "/ccc", 0644, "333", 3, &err), 0);
	ASSERT_EQ(cpio_add_file(&c, "/dddd", 0644, "4444", 4, &err), 0);
	ASSERT_EQ(cpio_add_file(&c, "/e", 0644, "55555", 5, &err), 0);
	ASSERT_EQ(cpio_add_symlink(&c, "/f", "/666666", &err), 0);
	ASSERT_EQ(cpio_add_dir(&c, "/g", 0755, &err), 0);
	cpio_write(&c, &out);
	char *got = read_back(&out);
	EXPECT_STREQ(got, "a=1;bb=22;ccc=333;dddd=4444;e=55555;f=/666666;g=;");
	free(got);
	strbuf_release(&err);
	strbuf_release(&out);
	cpio_release(&c);
}
