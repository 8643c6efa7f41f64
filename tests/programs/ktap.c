/*
 * ktap: a test program of the kind kselftests are: it checks a few system calls and
 * prints KTAP v1 with a nested suite, and exits 0 when all passed. With an argument
 * "fail", its last check fails (a test of the verdict's failure path).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	int fail = argc > 1 && !strcmp(argv[1], "fail");
	long pid = syscall(SYS_getpid), bad = syscall(100000);
	int ok_pid = pid == getpid(), ok_enosys = bad == -1 && errno == ENOSYS;
	printf("KTAP version 1\n1..2\n");
	printf("    KTAP version 1\n    # Subtest: entry\n    1..3\n");
	printf("    %s 1 getpid_number\n", ok_pid ? "ok" : "not ok");
	printf("    %s 2 out_of_range_is_enosys\n", ok_enosys ? "ok" : "not ok");
	printf("    ok 3 x32_numbers # SKIP no x32 in this kernel\n");
	printf("%s 1 entry\n", ok_pid && ok_enosys ? "ok" : "not ok");
	printf("%s 2 exit_path\n", fail ? "not ok" : "ok");
	return ok_pid && ok_enosys && !fail ? 0 : 1;
}
