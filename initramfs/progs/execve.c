/*
 * execve: replace the program with busybox's true: rax = 59. The new program starts
 * at another address than the syscall returns to, so the kernel leaves through IRET,
 * not SYSRET (from 6.7 on, do_syscall_64 returns false; before, entry_64.S decides).
 */
#include <unistd.h>

int main(void)
{
	char *const argv[] = { "true", NULL };
	char *const envp[] = { NULL };
	execve("/bin/true", argv, envp);
	return 1;
}
