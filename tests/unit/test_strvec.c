/* Unit tests for strvec: argv vectors and their display. */
#include "test.h"
#include "strbuf.h"
#include "strvec.h"

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
