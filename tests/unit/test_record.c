/* Unit tests for record: frame blocks rewritten from observations, the rest kept. */
#include "test.h"
#include "fixtures.h"
#include "record.h"
#include "strbuf.h"
#include "wrapper.h"

static const char text[] =
	"# a comment that stays\n"
	"scenario t\n"
	"program  fork\n"
	"\n"
	"stop kernel_clone\n"
	"  say   narration stays\n"
	"  frames\n"
	"    # a comment in the block stays\n"
	"    old_func        kernel/old.c\n"
	"    [< 5.0] ancient_func  kernel/ancient.c\n"
	"  regs  orig_ax == 56\n"
	"\n"
	"stop user _Fork\n"
	"  say   no block yet\n";

TEST(record_rewrites_blocks_and_keeps_the_rest)
{
	struct scenario sc;
	struct obs_run run;
	struct strbuf err = STRBUF_INIT, out = STRBUF_INIT;
	memset(&sc, 0, sizeof(sc));
	memset(&run, 0, sizeof(run));
	ASSERT_EQ(scenario_parse(&sc, "t.scn", text, &err), 0);
	ASSERT_EQ(sc.nstops, 2);
	run.nstops = 2;
	run.stops = xcalloc(2, sizeof(*run.stops));
	run.stops[0].hit = 1;
	run.stops[0].frames = fixture_frames("kernel_clone@/src/kernel/fork.c:2804|__se_sys_clone@/src/kernel/fork.c:2970!|entry_SYSCALL_64@/src/arch/x86/entry/entry_64.S:121",
					     &run.stops[0].nframes, 0xffffffff81000000ull);
	run.stops[0].user = fixture_frames("_Fork|fork|main@/kdive/progs/fork.c:11|__libc_start_call_main",
					   &run.stops[0].nuser, 0x401000);
	run.stops[1].hit = 1;
	run.stops[1].frames = fixture_frames("_Fork|fork|main@/kdive/progs/fork.c:11",
					     &run.stops[1].nframes, 0x401000);
	const char *strip[] = { "/src", "/kdive/progs", NULL };
	int blocks = record_rewrite(text, &sc, &run, "6.12.117", strip, &out);
	EXPECT_EQ(blocks, 3);
	/* Kept: comments, narration, checks, and the line guarded for other kernels. */
	EXPECT_CONTAINS(out.buf, "# a comment that stays\n");
	EXPECT_CONTAINS(out.buf, "  say   narration stays\n");
	EXPECT_CONTAINS(out.buf, "    # a comment in the block stays\n");
	EXPECT_CONTAINS(out.buf, "    [< 5.0] ancient_func  kernel/ancient.c\n");
	EXPECT_CONTAINS(out.buf, "  regs  orig_ax == 56\n");
	/* Replaced: the frame lines whose guard holds, in place, paths made relative. */
	EXPECT_TRUE(!strstr(out.buf, "old_func"));
	EXPECT_CONTAINS(out.buf, "    kernel_clone      kernel/fork.c\n"
				 "    __se_sys_clone    kernel/fork.c  inlined\n"
				 "    entry_SYSCALL_64  arch/x86/entry/entry_64.S\n");
	/* Added: the kernel stop's user block (ending at main), the user stop's frames. */
	EXPECT_CONTAINS(out.buf, "  user\n    _Fork\n    fork\n    main   fork.c\n    ...\n");
	EXPECT_CONTAINS(out.buf, "  say   no block yet\n  frames\n    _Fork\n    fork\n    main   fork.c\n");
	/* What it wrote parses again. */
	struct scenario again;
	memset(&again, 0, sizeof(again));
	strbuf_reset(&err);
	EXPECT_EQ(scenario_parse(&again, "t.scn", out.buf, &err), 0);
	EXPECT_STREQ(err.buf, "");
	scenario_release(&again);
	scenario_release(&sc);
	obs_run_release(&run);
	strbuf_release(&err);
	strbuf_release(&out);
}

TEST(record_suffix_strips_known_prefixes)
{
	const char *strip[] = { "/a/src", NULL };
	char *s = obs_relative_path("/a/src/kernel/fork.c", strip);
	EXPECT_STREQ(s, "kernel/fork.c");
	free(s);
	s = obs_relative_path("./arch/x86/include/generated/asm/syscalls_64.h", strip);
	EXPECT_STREQ(s, "arch/x86/include/generated/asm/syscalls_64.h");
	free(s);
	s = obs_relative_path("/a/srcx/y.c", strip);
	EXPECT_STREQ(s, "/a/srcx/y.c");
	free(s);
	EXPECT_TRUE(obs_relative_path(NULL, strip) == NULL);
}
