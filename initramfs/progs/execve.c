/*
 * execve: replace the program with busybox's true: rax = 59. The new program starts
 * at another address than the syscall returns to, so the kernel leaves through IRET,
 * not SYSRET (do_syscall_64 returns false).
 */
#include <unistd.h>

int main(void)
{
	char *const argv[] = { "true", NULL };
	char *const envp[] = { NULL };
	execve("/bin/true", argv, envp);
	return 1;
}
