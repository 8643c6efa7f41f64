/*
 * Unit tests of the run line kdive sends to the guest's init (qemu_go_line): each
 * argument one word, its bytes kept, the escapes initramfs/init decodes; names and
 * lengths it refuses. And the command line of a guest that waits: no program on it.
 */
#include "qemu.h"
#include "test.h"
#include "strbuf.h"
#include "strvec.h"
#include "wrapper.h"

#include <string.h>

static char *line_of(const char *program, const char *const *args, struct strbuf *err)
{
	struct strvec v;
	struct strbuf out = STRBUF_INIT;
	strvec_init(&v);
	for (size_t i = 0; args && args[i]; i++)
		strvec_push(&v, args[i]);
	int r = qemu_go_line(program, &v, &out, err);
	strvec_clear(&v);
	if (r < 0) {
		strbuf_release(&out);
		return NULL;
	}
	return strbuf_detach(&out, NULL);
}

TEST(qemu_go_line_escapes_every_byte_a_shell_would_touch)
{
	struct strbuf err = STRBUF_INIT;
	const char *args[] = { "plain-1.0,x/y:z=a+b@c_", "", "a b", "\n", "\\x41", "$(id)*?'\"",
			       "\xff", NULL };
	char *line = line_of("fork", args, &err);
	ASSERT_TRUE(line != NULL);
	EXPECT_STREQ(line, "run fork xplain-1.0,x/y:z=a+b@c_ x xa\\x20b x\\x0a x\\x5cx41 "
			   "x\\x24\\x28id\\x29\\x2a\\x3f\\x27\\x22 x\\xff\n");
	free(line);
	line = line_of("getpid", NULL, &err);
	EXPECT_STREQ(line, "run getpid\n");
	free(line);
	strbuf_release(&err);
}

TEST(qemu_go_line_refuses_bad_names_and_lines_the_tty_cannot_take)
{
	struct strbuf err = STRBUF_INIT;
	static const char *const bad[] = { "", "a/b", "a b", "a,b", "../x", "a\n", NULL };
	for (size_t i = 0; bad[i]; i++) {
		strbuf_reset(&err);
		CHECK_(line_of(bad[i], NULL, &err) == NULL, 0, "took the name '%s'", bad[i]);
		EXPECT_CONTAINS(err.buf, "is not a guest program's name");
	}
	/* 4095 bytes with its newline fit, as kdive sends it ("hold ..."); one more does not. */
	char *big = xcalloc(1, 5000);
	size_t room = QEMU_GO_LINE_MAX - strlen("hold fork x\n");
	memset(big, 'a', room);
	const char *args[] = { big, NULL };
	char *line = line_of("fork", args, &err);
	EXPECT_TRUE(line && strlen(line) + strlen("hold") - strlen("run") == QEMU_GO_LINE_MAX);
	free(line);
	big[room] = 'a';
	strbuf_reset(&err);
	EXPECT_TRUE(line_of("fork", args, &err) == NULL);
	EXPECT_CONTAINS(err.buf, "more than its 4095");
	free(big);
	strbuf_release(&err);
}

TEST(qemu_guest_that_waits_has_no_program_on_its_command_line)
{
	struct qemu q;
	struct qemu_opts o = { 0 };
	o.bzimage = "/k/bzImage";
	o.initrd = "/k/initrd";
	o.rundir = "/tmp/kdive-run.x";
	o.program = "fork";
	o.args = "1,2";
	o.go = 1;
	o.incoming = "/c/warm/ab/state";
	qemu_prepare(&q, &o);
	struct strbuf all = STRBUF_INIT;
	strvec_join_display(&q.argv, &all);
	EXPECT_TRUE(strstr(all.buf, "kdive.prog") == NULL);
	EXPECT_TRUE(strstr(all.buf, "kdive.args") == NULL);
	EXPECT_CONTAINS(all.buf, "kdive.wait=ttyS1");
	EXPECT_CONTAINS(all.buf, "-monitor unix:/tmp/kdive-run.x/monitor.sock,server=on,wait=off");
	EXPECT_CONTAINS(all.buf, "-incoming fd:3"); /* qemu_start() opens the file as fd 3 */
	qemu_release(&q);
	/* Without go, the program is on the command line, as people's own boots have it. */
	o.go = 0;
	o.incoming = NULL;
	qemu_prepare(&q, &o);
	strbuf_reset(&all);
	strvec_join_display(&q.argv, &all);
	EXPECT_CONTAINS(all.buf, "kdive.prog=fork kdive.args=1,2");
	EXPECT_CONTAINS(all.buf, "-monitor none");
	qemu_release(&q);
	strbuf_release(&all);
}
