/* Unit tests for kbuild's pure parts: the environment every kernel make gets. */
#include "test.h"
#include "kbuild.h"
#include "proc.h"
#include "strbuf.h"
#include "strvec.h"
#include "timeutil.h"
#include "wrapper.h"

#include <stdlib.h>

TEST(kbuild_make_env_clears_what_the_key_does_not_cover)
{
	struct strbuf out = STRBUF_INIT;
	setenv("KCFLAGS", "-DPOISON", 1);
	setenv("LLVM", "1", 1);
	setenv("KCONFIG_CONFIG", "other.config", 1);
	setenv("MAKEFLAGS", "-j64 --jobserver-auth=3,4", 1);
	struct proc q = PROC_INIT;
	strvec_pushl(&q.args, "sh", "-c",
		     "echo \"${KCFLAGS-unset} ${LLVM-unset} ${KCONFIG_CONFIG-unset} "
		     "${MAKEFLAGS-unset} $ARCH $LC_ALL\" > \"$0\"", NULL);
	char *file = xstrfmt("%s/kbuild-env", test_tmpdir());
	strvec_push(&q.args, file);
	kbuild_make_env(&q.env);
	q.in = PROC_NULL;
	ASSERT_EQ(proc_start(&q), 0);
	ASSERT_EQ(proc_wait(&q, now_ms() + 5000), 0);
	proc_release(&q);
	ASSERT_EQ(strbuf_read_file(&out, file), 0);
	EXPECT_STREQ(out.buf, "unset unset unset unset x86_64 C\n");
	unsetenv("KCFLAGS");
	unsetenv("LLVM");
	unsetenv("KCONFIG_CONFIG");
	unsetenv("MAKEFLAGS");
	free(file);
	strbuf_release(&out);
}
