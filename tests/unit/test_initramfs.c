/* Unit tests for the initramfs spec parser (initramfs/files), without building. */
#include "test.h"
#include "initramfs.h"
#include "strbuf.h"
#include "wrapper.h"

/* Check text as file "files"; err holds the diagnostics. */
static int check(const char *text, struct strbuf *err)
{
	strbuf_reset(err);
	return initramfs_spec_check("files", text, err);
}

TEST(initramfs_spec_accepts_the_real_one)
{
	struct strbuf text = STRBUF_INIT, err = STRBUF_INIT;
	char *path = xstrfmt("%s/initramfs/files", test_srcdir());
	ASSERT_EQ(strbuf_read_file(&text, path), 0);
	EXPECT_EQ(initramfs_spec_check(path, text.buf, &err), 0);
	EXPECT_STREQ(err.buf, "");
	/* Every directive, comments and blank lines. */
	EXPECT_EQ(check("# a comment\n\n  dir /d 0755  # trailing\nnod /dev/x 0600 b 8 0\n"
			"slink /bin/sh /bin/busybox\nfile /init 0755 init\nbusybox /bin/busybox\n"
			"progs /progs",
			&err),
		  0);
	EXPECT_STREQ(err.buf, "");
	free(path);
	strbuf_release(&text);
	strbuf_release(&err);
}

TEST(initramfs_spec_errors_name_file_line_col)
{
	struct strbuf err = STRBUF_INIT;
	EXPECT_EQ(check("dir /a 0755\n  mkdir /b 0755\n", &err), -1);
	EXPECT_STREQ(err.buf, "files:2:3: unknown directive 'mkdir'\n");
	EXPECT_EQ(check("dir /a\n", &err), -1);
	EXPECT_STREQ(err.buf, "files:1:1: expected 'dir PATH MODE'\n");
	EXPECT_EQ(check("a b c d e f g h i\n", &err), -1);
	EXPECT_STREQ(err.buf, "files:1:1: unknown directive 'a'\n");
	EXPECT_EQ(check("slink rel /bin/busybox\n", &err), -1);
	EXPECT_STREQ(err.buf, "files:1:7: path must be absolute: 'rel'\n");
	EXPECT_EQ(check("dir /a 0855\nfile /b 17777 x\n", &err), -1);
	EXPECT_STREQ(err.buf, "files:1:8: bad octal mode '0855'\nfiles:2:9: bad octal mode '17777'\n");
	EXPECT_EQ(check("nod /dev/x 0600 p 1 3\n", &err), -1);
	EXPECT_STREQ(err.buf, "files:1:17: node type must be c or b, not 'p'\n");
	EXPECT_EQ(check("nod /dev/x 0600 c one 3\n", &err), -1);
	EXPECT_STREQ(err.buf, "files:1:19: bad major number 'one'\n");
	EXPECT_EQ(check("nod /dev/x 0600 c 1 9999999\n", &err), -1);
	EXPECT_STREQ(err.buf, "files:1:21: bad minor number '9999999'\n");
	/* Every bad line is named, the good ones between them are kept going. */
	EXPECT_EQ(check("busybox\ndir /ok 0755\nprogs\n", &err), -1);
	EXPECT_STREQ(err.buf, "files:1:1: expected 'busybox PATH'\nfiles:3:1: expected 'progs DIR'\n");
	strbuf_release(&err);
}
