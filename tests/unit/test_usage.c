/* Unit tests for usage: diagnostics and their sink. */
#include "test.h"
#include "strbuf.h"
#include "usage.h"

#include <errno.h>

static void count_messages(enum diag_level level, const char *msg, void *ctx)
{
	(void)level;
	(void)msg;
	(*(int *)ctx)++;
}

TEST(diag_divert_errors_takes_errors_from_the_sink)
{
	struct strbuf sb = STRBUF_INIT;
	int n = 0;
	diag_set_sink(count_messages, &n, DIAG_INFO);
	diag_divert_errors(&sb);
	EXPECT_EQ(error("QEMU %s", "exited"), -1);
	errno = ENOENT;
	error_errno("cannot read '%s'", "x");
	info("still to the sink");
	debug("not even formatted");
	diag_divert_errors(NULL);
	error("to the sink again");
	EXPECT_STREQ(sb.buf, "QEMU exited\ncannot read 'x': No such file or directory\n");
	EXPECT_EQ(n, 2);
	/* Diverted even without a sink. */
	diag_set_sink(NULL, NULL, DIAG_ERROR);
	strbuf_reset(&sb);
	diag_divert_errors(&sb);
	error("kept");
	diag_divert_errors(NULL);
	EXPECT_STREQ(sb.buf, "kept\n");
	strbuf_release(&sb);
}
