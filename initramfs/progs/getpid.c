/*
 * getpid: the simplest system call, rax = 39. glibc no longer caches the pid, so
 * getpid() always enters the kernel; the fast SYSRET return path is taken.
 */
#include <unistd.h>

int main(void)
{
	return getpid() > 0 ? 0 : 1;
}
