/*
 * Unit tests of the scenario parser's lines about the program itself
 * (harness/check/scenario_program.c): program paths, sources, cflags, libs, file,
 * exit, output contains/lacks and tap, with every error's exact FILE:LINE:COL.
 */
#include "scenario.h"
#include "test.h"
#include "strbuf.h"
#include "wrapper.h"

/* Parse text as "t.scn"; the test fails (with the messages) unless it parses. */
static void parse_ok(struct scenario *sc, const char *text)
{
	struct strbuf err = STRBUF_INIT;
	int r = scenario_parse(sc, "t.scn", text, &err);
	CHECK_(r == 0 && !err.len, 1, "parse failed:\n%s", err.buf);
	strbuf_release(&err);
}

/* Parse text that must fail; returns the messages (caller frees). */
static char *parse_err(const char *text)
{
	struct scenario sc;
	struct strbuf err = STRBUF_INIT;
	int r = scenario_parse(&sc, "t.scn", text, &err);
	CHECK_(r == -1, 1, "parsed but should not have:\n%s", text);
	CHECK_(!sc.program && !sc.nfiles && !sc.noutputs && !sc.sources.nr && sc.exit_status == -1,
	       1, "scenario not released on error");
	return strbuf_detach(&err, NULL);
}

/* The messages of text must contain want (a whole "t.scn:L:C: message" line). */
#define EXPECT_ERROR(text, want)                                                   \
	do {                                                                       \
		char *e_ = parse_err(text);                                        \
		EXPECT_CONTAINS(e_, want "\n");                                    \
		free(e_);                                                          \
	} while (0)

TEST(scenario_program_defaults)
{
	struct scenario sc;
	parse_ok(&sc, "program fork\n");
	EXPECT_EQ(sc.program_is_path, 0);
	EXPECT_EQ(sc.exit_status, -1);
	EXPECT_EQ(sc.exit_line, 0);
	EXPECT_EQ(sc.tap, 0);
	EXPECT_EQ(sc.tap_line, 0);
	EXPECT_EQ(sc.nfiles, 0);
	EXPECT_EQ(sc.noutputs, 0);
	EXPECT_EQ(sc.sources.nr, 0);
	EXPECT_EQ(sc.sources_line + sc.cflags_line + sc.libs_line, 0);
	EXPECT_EQ(scenario_program_is_source(&sc), 0);
	EXPECT_EQ(scenario_has_program_verdict(&sc), 0);
	scenario_release(&sc);
	EXPECT_EQ(sc.exit_status, -1);
	scenario_release(&sc); /* twice: safe */
}

TEST(scenario_program_paths)
{
	static const struct { const char *line; int is_path, is_source; } cases[] = {
		{ "program ./repro.c a b\n", 1, 1 },  { "program ../bin/repro\n", 1, 0 },
		{ "program /abs/prog\n", 1, 0 },      { "program dir/x.S\n", 1, 1 },
		{ "program ./x.s\n", 1, 1 },          { "program repro.c\n", 0, 0 },
		{ "program ./.c\n", 1, 1 },           { "program ./x.cc\n", 1, 0 },
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct scenario sc;
		parse_ok(&sc, cases[i].line);
		EXPECT_EQ(sc.program_is_path, cases[i].is_path);
		EXPECT_EQ(scenario_program_is_source(&sc), cases[i].is_source);
		scenario_release(&sc);
	}
	struct scenario sc;
	parse_ok(&sc, "program ./repro.c --flag x\n");
	EXPECT_STREQ(sc.program, "./repro.c");
	EXPECT_EQ(sc.program_col, 9);
	ASSERT_EQ(sc.args.nr, 2);
	EXPECT_STREQ(sc.args.v[1], "x");
	scenario_release(&sc);
}

TEST(scenario_program_build_words)
{
	struct scenario sc;
	parse_ok(&sc, "sources util.c  lib/asm.S x.s\n"
		      "program ./repro.c\n"
		      "cflags  -DFOO=1 -O2 # a comment\n"
		      "libs -lm -lpthread\n");
	ASSERT_EQ(sc.sources.nr, 3);
	EXPECT_STREQ(sc.sources.v[0], "util.c");
	EXPECT_STREQ(sc.sources.v[1], "lib/asm.S");
	EXPECT_STREQ(sc.sources.v[2], "x.s");
	EXPECT_EQ(sc.sources_line, 1);
	EXPECT_EQ(sc.sources_col, 9);
	ASSERT_EQ(sc.cflags.nr, 2);
	EXPECT_STREQ(sc.cflags.v[0], "-DFOO=1");
	EXPECT_STREQ(sc.cflags.v[1], "-O2");
	EXPECT_EQ(sc.cflags_line, 3);
	EXPECT_EQ(sc.cflags_col, 9);
	ASSERT_EQ(sc.libs.nr, 2);
	EXPECT_STREQ(sc.libs.v[1], "-lpthread");
	EXPECT_EQ(sc.libs_line, 4);
	EXPECT_EQ(sc.libs_col, 6);
	scenario_release(&sc);
}

TEST(scenario_program_build_errors)
{
	const char *need = "sources/cflags/libs need a program built from source (program ./NAME.c)";
	char *e;

	EXPECT_ERROR("program fork\ncflags -O2\n",
		     "t.scn:2:1: sources/cflags/libs need a program built from source "
		     "(program ./NAME.c)");
	EXPECT_ERROR("program ./prebuilt\nlibs -lm\n",
		     "t.scn:2:1: sources/cflags/libs need a program built from source "
		     "(program ./NAME.c)");
	EXPECT_ERROR("sources a.c\nprogram /bin/true\n",
		     "t.scn:1:1: sources/cflags/libs need a program built from source "
		     "(program ./NAME.c)");
	e = parse_err("program fork\nsources a.c\ncflags -g\nlibs -lm\n");
	EXPECT_CONTAINS(e, "t.scn:2:1: ");
	EXPECT_CONTAINS(e, "t.scn:3:1: ");
	EXPECT_CONTAINS(e, "t.scn:4:1: ");
	EXPECT_CONTAINS(e, need);
	free(e);
	EXPECT_ERROR("program ./r.c\nsources\n",
		     "t.scn:2:1: missing argument: 'sources' needs at least one word");
	EXPECT_ERROR("program ./r.c\ncflags # nothing\n",
		     "t.scn:2:1: missing argument: 'cflags' needs at least one word");
	EXPECT_ERROR("program ./r.c\nlibs\n",
		     "t.scn:2:1: missing argument: 'libs' needs at least one word");
	EXPECT_ERROR("program ./r.c\nsources a.c b.h c.S\n",
		     "t.scn:2:13: bad source 'b.h': a C or assembler file (.c, .S or .s)");
	EXPECT_ERROR("program ./r.c\nsources .c\n",
		     "t.scn:2:9: bad source '.c': a C or assembler file (.c, .S or .s)");
	EXPECT_ERROR("program ./r.c\ncflags -g\ncflags -O2\n",
		     "t.scn:3:1: duplicate 'cflags' (first on line 2)");
	EXPECT_ERROR("program ./r.c\nsources a.c\nsources b.c\n",
		     "t.scn:3:1: duplicate 'sources' (first on line 2)");
	EXPECT_ERROR("program ./r.c\nlibs -lm\nlibs -lc\n",
		     "t.scn:3:1: duplicate 'libs' (first on line 2)");
	EXPECT_ERROR("program ./r.c\n[>= 6.9] cflags -g\n",
		     "t.scn:2:1: a version guard cannot apply to 'cflags'");
}

TEST(scenario_program_files)
{
	struct scenario sc;
	parse_ok(&sc, "program fork\n"
		      "file data/in.bin /tmp/in.bin\n"
		      "file   ../x      /etc/x.conf   # why\n"
		      "file a /a/./b//c\n");
	ASSERT_EQ(sc.nfiles, 3);
	EXPECT_STREQ(sc.files[0].host, "data/in.bin");
	EXPECT_STREQ(sc.files[0].guest, "/tmp/in.bin");
	EXPECT_EQ(sc.files[0].line, 2);
	EXPECT_EQ(sc.files[0].col, 6);
	EXPECT_STREQ(sc.files[1].host, "../x");
	EXPECT_STREQ(sc.files[1].guest, "/etc/x.conf");
	EXPECT_EQ(sc.files[1].col, 8);
	EXPECT_STREQ(sc.files[2].guest, "/a/./b//c");
	EXPECT_EQ(scenario_has_program_verdict(&sc), 0);
	scenario_release(&sc);
}

TEST(scenario_program_file_errors)
{
	EXPECT_ERROR("program p\nfile\n",
		     "t.scn:2:1: 'file' needs a host path and a guest path: file HOST GUEST");
	EXPECT_ERROR("program p\nfile a\n",
		     "t.scn:2:1: 'file' needs a host path and a guest path: file HOST GUEST");
	EXPECT_ERROR("program p\nfile a /b c\n",
		     "t.scn:2:11: unexpected 'c': file HOST GUEST takes two words");
	EXPECT_ERROR("program p\nfile a b\n",
		     "t.scn:2:8: guest path 'b' must be absolute (start with '/')");
	EXPECT_ERROR("program p\nfile a /tmp/../etc/x\n",
		     "t.scn:2:8: guest path '/tmp/../etc/x' has a '..' component");
	EXPECT_ERROR("program p\nfile a /..\n", "t.scn:2:8: guest path '/..' has a '..' component");
	EXPECT_ERROR("program p\nfile a /\n",
		     "t.scn:2:8: guest path '/' names the root directory: give the file's own path");
	EXPECT_ERROR("program p\nfile a //./\n",
		     "t.scn:2:8: guest path '//./' names the root directory: give the file's own "
		     "path");
	EXPECT_ERROR("program p\nfile a /proc/x\n",
		     "t.scn:2:8: guest path '/proc/x' is under /proc, /sys or /dev, the kernel's own");
	EXPECT_ERROR("program p\nfile a /sys\n",
		     "t.scn:2:8: guest path '/sys' is under /proc, /sys or /dev, the kernel's own");
	EXPECT_ERROR("program p\nfile a //dev/null\n",
		     "t.scn:2:8: guest path '//dev/null' is under /proc, /sys or /dev, the kernel's "
		     "own");
	EXPECT_ERROR("program p\nfile a /x\nfile b /y\nfile c /x\n",
		     "t.scn:4:8: guest path '/x' already given on line 2");
	EXPECT_ERROR("program p\n[< 6.1] file a /x\n",
		     "t.scn:2:1: a version guard cannot apply to 'file'");

	/* /procfs, /system and /device are no kernel file systems */
	struct scenario sc;
	parse_ok(&sc, "program p\nfile a /procfs\nfile a /system/x\nfile a /device\n");
	EXPECT_EQ(sc.nfiles, 3);
	scenario_release(&sc);
}

TEST(scenario_program_exit)
{
	struct scenario sc;
	parse_ok(&sc, "program ./r.c\nexit   0\n");
	EXPECT_EQ(sc.exit_status, 0);
	EXPECT_EQ(sc.exit_line, 2);
	EXPECT_EQ(sc.exit_col, 8);
	EXPECT_EQ(scenario_has_program_verdict(&sc), 1);
	EXPECT_EQ(sc.nstops, 0); /* no stop needed */
	scenario_release(&sc);
	parse_ok(&sc, "exit 255\nprogram p\n");
	EXPECT_EQ(sc.exit_status, 255);
	scenario_release(&sc);

	EXPECT_ERROR("program p\nexit\n", "t.scn:2:1: missing argument: exit STATUS (0 to 255)");
	EXPECT_ERROR("program p\nexit 256\n", "t.scn:2:6: bad exit status '256' (0 to 255)");
	EXPECT_ERROR("program p\nexit -1\n", "t.scn:2:6: bad exit status '-1' (0 to 255)");
	EXPECT_ERROR("program p\nexit 0x1\n", "t.scn:2:6: bad exit status '0x1' (0 to 255)");
	EXPECT_ERROR("program p\nexit 00001\n", "t.scn:2:6: bad exit status '00001' (0 to 255)");
	EXPECT_ERROR("program p\nexit 99999999999999999999\n",
		     "t.scn:2:6: bad exit status '99999999999999999999' (0 to 255)");
	EXPECT_ERROR("program p\nexit 1 2\n", "t.scn:2:8: unexpected '2': exit takes one argument");
	EXPECT_ERROR("program p\nexit 1\nexit 1\n", "t.scn:3:1: duplicate 'exit' (first on line 2)");
	EXPECT_ERROR("program p\n[>= 6.9] exit 1\n",
		     "t.scn:2:1: a version guard cannot apply to 'exit'");
}

TEST(scenario_program_output)
{
	struct scenario sc;
	parse_ok(&sc, "program p\n"
		      "output contains hello, world   \n"
		      "output  lacks   BUG: # kept, like say\n"
		      "output contains x\n");
	ASSERT_EQ(sc.noutputs, 3);
	EXPECT_STREQ(sc.outputs[0].text, "hello, world");
	EXPECT_EQ(sc.outputs[0].negate, 0);
	EXPECT_EQ(sc.outputs[0].line, 2);
	EXPECT_EQ(sc.outputs[0].col, 17);
	EXPECT_STREQ(sc.outputs[1].text, "BUG: # kept, like say");
	EXPECT_EQ(sc.outputs[1].negate, 1);
	EXPECT_EQ(sc.outputs[1].col, 17);
	EXPECT_EQ(scenario_has_program_verdict(&sc), 1);
	scenario_release(&sc);

	EXPECT_ERROR("program p\noutput\n",
		     "t.scn:2:1: 'output' needs 'contains' or 'lacks': output contains TEXT");
	EXPECT_ERROR("program p\noutput # c\n",
		     "t.scn:2:1: 'output' needs 'contains' or 'lacks': output contains TEXT");
	EXPECT_ERROR("program p\noutput contain x\n",
		     "t.scn:2:8: unknown 'contain' after 'output' (contains or lacks) (did you mean "
		     "'contains'?)");
	EXPECT_ERROR("program p\noutput has x\n",
		     "t.scn:2:8: unknown 'has' after 'output' (contains or lacks)");
	EXPECT_ERROR("program p\noutput contains   \n",
		     "t.scn:2:16: 'output contains' needs a text to look for");
	EXPECT_ERROR("program p\noutput lacks\n", "t.scn:2:13: 'output lacks' needs a text to look for");
	EXPECT_ERROR("program p\n[>= 6.9] output contains x\n",
		     "t.scn:2:1: a version guard cannot apply to 'output'");
}

TEST(scenario_program_tap)
{
	struct scenario sc;
	parse_ok(&sc, "program ./t.c\ntap\n");
	EXPECT_EQ(sc.tap, 1);
	EXPECT_EQ(sc.tap_line, 2);
	EXPECT_EQ(scenario_has_program_verdict(&sc), 1);
	scenario_release(&sc);
	parse_ok(&sc, "program ./t.c\ntap # a comment\n");
	EXPECT_EQ(sc.tap, 1);
	scenario_release(&sc);

	EXPECT_ERROR("program p\ntap 13\n", "t.scn:2:5: unexpected '13': tap takes no argument");
	EXPECT_ERROR("program p\ntap\ntap\n", "t.scn:3:1: duplicate 'tap' (first on line 2)");
	EXPECT_ERROR("program p\n[>= 6.9] tap\n", "t.scn:2:1: a version guard cannot apply to 'tap'");
}

TEST(scenario_program_suggestions_and_placement)
{
	EXPECT_ERROR("program p\nsource a.c\n",
		     "t.scn:2:1: unknown directive 'source' (did you mean 'sources'?)");
	EXPECT_ERROR("program p\ncflag -g\n",
		     "t.scn:2:1: unknown directive 'cflag' (did you mean 'cflags'?)");
	EXPECT_ERROR("program p\nouptut contains x\n",
		     "t.scn:2:1: unknown directive 'ouptut' (did you mean 'output'?)");
	EXPECT_ERROR("program p\nexti 0\n", "t.scn:2:1: unknown directive 'exti' (did you mean 'exit'?)");
	/* under a stop, a top-level directive is named as one */
	EXPECT_ERROR("program p\nstop f\n  exit 0\n",
		     "t.scn:3:3: 'exit' cannot be inside a stop (the stop on line 2): write it at "
		     "the start of a line");
}

TEST(scenario_program_whole)
{
	struct scenario sc;
	parse_ok(&sc, "scenario mine\n"
		      "program ./repro.c -n 3\n"
		      "sources helper.c\n"
		      "cflags -DN=3\n"
		      "libs -lm\n"
		      "file data/input.txt /data/input.txt\n"
		      "exit 0\n"
		      "output contains all good\n"
		      "output lacks WARNING\n"
		      "tap\n"
		      "timeout 30\n"
		      "stop kernel __x64_sys_openat\n");
	EXPECT_STREQ(sc.name, "mine");
	EXPECT_EQ(sc.program_is_path, 1);
	EXPECT_EQ(sc.args.nr, 2);
	EXPECT_EQ(sc.nfiles, 1);
	EXPECT_EQ(sc.exit_status, 0);
	EXPECT_EQ(sc.noutputs, 2);
	EXPECT_EQ(sc.tap, 1);
	EXPECT_EQ(sc.timeout_s, 30);
	EXPECT_EQ(sc.nstops, 1);
	scenario_release(&sc);
}
