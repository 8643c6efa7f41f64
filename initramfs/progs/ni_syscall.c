/*
 * ni_syscall: system call 335 is a hole in x86-64's table. x64_sys_call's switch
 * falls to its default, __x64_sys_ni_syscall, which returns -ENOSYS (-38) in rax.
 */
#include <errno.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(void)
{
	long r = syscall(335);
	return r == -1 && errno == ENOSYS ? 0 : 1;
}
