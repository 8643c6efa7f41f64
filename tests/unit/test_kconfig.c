/* Unit tests for kconfig: fragment parsing, merging, verification; the build key. */
#include "test.h"
#include "kbuild.h"
#include "kconfig.h"
#include "strbuf.h"

static const char dotconfig[] =
	"#\n# Automatically generated file; DO NOT EDIT.\n#\n"
	"CONFIG_64BIT=y\n"
	"CONFIG_DEBUG_INFO_DWARF5=y\n"
	"# CONFIG_SMP is not set\n"
	"CONFIG_LOG_BUF_SHIFT=17\n"
	"CONFIG_PHYSICAL_START=0x1000000\n"
	"CONFIG_CMDLINE=\"console=ttyS0\"\n";

TEST(fragment_parses_every_form)
{
	struct kconfig_frag f = KCONFIG_FRAG_INIT;
	struct strbuf err = STRBUF_INIT;
	const char *text = "# a comment\n\nCONFIG_64BIT=y\n  CONFIG_LOG_BUF_SHIFT=17 # trailing\n"
			   "# CONFIG_SMP is not set\nCONFIG_CMDLINE=\"console=ttyS0\"\r\n"
			   "CONFIG_PHYSICAL_START=0x1000000\n";
	ASSERT_EQ(kconfig_parse(&f, "a.config", text, &err), 0);
	EXPECT_STREQ(err.buf, "");
	ASSERT_EQ(f.nr, 5);
	EXPECT_STREQ(f.syms[0].name, "CONFIG_64BIT");
	EXPECT_STREQ(f.syms[1].value, "17");
	EXPECT_EQ(f.syms[1].line, 4);
	EXPECT_STREQ(f.syms[2].value, "n");
	EXPECT_STREQ(f.syms[3].value, "\"console=ttyS0\"");
	struct strbuf report = STRBUF_INIT;
	EXPECT_EQ(kconfig_verify(&f, dotconfig, &report), 0);
	EXPECT_STREQ(report.buf, "");
	strbuf_release(&report);
	strbuf_release(&err);
	kconfig_frag_release(&f);
}

TEST(fragment_syntax_errors_name_file_line_col)
{
	struct kconfig_frag f = KCONFIG_FRAG_INIT;
	struct strbuf err = STRBUF_INIT;
	const char *text = "CONFIG_A=y\nCONFIG_B y\nFOO=y\nCONFIG_C=maybe\nCONFIG_D=\"open\n"
			   "CONFIG_E=y junk\n";
	EXPECT_EQ(kconfig_parse(&f, "bad.config", text, &err), -1);
	EXPECT_CONTAINS(err.buf, "bad.config:2:9: expected '=' after CONFIG_B");
	EXPECT_CONTAINS(err.buf, "bad.config:3:1: expected CONFIG_NAME=VALUE");
	EXPECT_CONTAINS(err.buf, "bad.config:4:10: value must be");
	EXPECT_CONTAINS(err.buf, "bad.config:5:10: unterminated string");
	EXPECT_CONTAINS(err.buf, "bad.config:6:12: unexpected text");
	/* Nothing of a bad fragment is merged. */
	EXPECT_EQ(f.nr, 0);
	strbuf_release(&err);
	kconfig_frag_release(&f);
}

TEST(later_fragment_overrides_earlier)
{
	struct kconfig_frag f = KCONFIG_FRAG_INIT;
	struct strbuf err = STRBUF_INIT, out = STRBUF_INIT;
	ASSERT_EQ(kconfig_parse(&f, "base", "CONFIG_A=y\nCONFIG_B=y\n", &err), 0);
	ASSERT_EQ(kconfig_parse(&f, "extra", "# CONFIG_A is not set\nCONFIG_C=3\n", &err), 0);
	kconfig_write(&f, &out);
	EXPECT_STREQ(out.buf, "# CONFIG_A is not set\nCONFIG_B=y\nCONFIG_C=3\n");
	EXPECT_STREQ(f.syms[0].file, "extra");
	strbuf_release(&err);
	strbuf_release(&out);
	kconfig_frag_release(&f);
}

TEST(verifier_names_symbols_that_did_not_survive)
{
	struct kconfig_frag f = KCONFIG_FRAG_INIT;
	struct strbuf err = STRBUF_INIT, report = STRBUF_INIT;
	const char *text = "CONFIG_64BIT=y\nCONFIG_SMP=y\nCONFIG_KDIVE_NO_SUCH_SYMBOL=y\n"
			   "CONFIG_LOG_BUF_SHIFT=0x11\nCONFIG_CMDLINE=\"quiet\"\n# CONFIG_ABSENT is not set\n";
	ASSERT_EQ(kconfig_parse(&f, "want.config", text, &err), 0);
	EXPECT_EQ(kconfig_verify(&f, dotconfig, &report), 3);
	EXPECT_CONTAINS(report.buf, "want.config:2: CONFIG_SMP: requested y, got n");
	EXPECT_CONTAINS(report.buf,
			"want.config:3: CONFIG_KDIVE_NO_SUCH_SYMBOL: requested y, got nothing");
	EXPECT_CONTAINS(report.buf, "want.config:5: CONFIG_CMDLINE: requested \"quiet\", got \"console=ttyS0\"");
	/* 0x11 == 17: numbers compare by value; absent == not set. */
	EXPECT_TRUE(!strstr(report.buf, "LOG_BUF_SHIFT"));
	EXPECT_TRUE(!strstr(report.buf, "ABSENT"));
	strbuf_release(&err);
	strbuf_release(&report);
	kconfig_frag_release(&f);
}

TEST(lookup_reads_dotconfig)
{
	char *v = kconfig_lookup(dotconfig, "CONFIG_SMP");
	EXPECT_STREQ(v, "n");
	free(v);
	v = kconfig_lookup(dotconfig, "CONFIG_64BIT");
	EXPECT_STREQ(v, "y");
	free(v);
	EXPECT_TRUE(kconfig_lookup(dotconfig, "CONFIG_64") == NULL);
}

static void key_of(const char *src, const char *frag_text, const char *cc, char key[65])
{
	struct kconfig_frag f = KCONFIG_FRAG_INIT;
	struct strbuf err = STRBUF_INIT;
	kconfig_parse(&f, "f", frag_text, &err);
	kbuild_key(src, &f, cc, key);
	strbuf_release(&err);
	kconfig_frag_release(&f);
}

TEST(build_key_is_stable_and_content_addressed)
{
	char a[65], b[65], c[65], d[65], e[65];
	key_of("tarball /x size 1 mtime 2", "CONFIG_A=y\n", "gcc 12", a);
	key_of("tarball /x size 1 mtime 2", "# only a comment changed\nCONFIG_A=y  \n", "gcc 12", b);
	EXPECT_STREQ(a, b);
	key_of("tarball /x size 1 mtime 2", "CONFIG_A=n\n", "gcc 12", c);
	EXPECT_TRUE(strcmp(a, c) != 0);
	key_of("tarball /x size 1 mtime 3", "CONFIG_A=y\n", "gcc 12", d);
	EXPECT_TRUE(strcmp(a, d) != 0);
	key_of("tarball /x size 1 mtime 2", "CONFIG_A=y\n", "gcc 13", e);
	EXPECT_TRUE(strcmp(a, e) != 0);
	/* Stable across runs and machines: a fixed input has a fixed key. */
	EXPECT_EQ(strlen(a), 64);
	char again[65];
	key_of("tarball /x size 1 mtime 2", "CONFIG_A=y\n", "gcc 12", again);
	EXPECT_STREQ(a, again);
}
