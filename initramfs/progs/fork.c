/*
 * fork: the seed's journey. glibc's fork() → _Fork → the syscall instruction with
 * rax = 56 (clone) → entry_SYSCALL_64 → do_syscall_64 → x64_sys_call →
 * __x64_sys_clone → kernel_clone. The parent waits so the guest ends cleanly.
 */
#include <sys/wait.h>
#include <unistd.h>

int main(void)
{
	pid_t pid = fork();
	if (pid == 0)
		return 0;
	if (pid > 0)
		waitpid(pid, NULL, 0);
	return 0;
}
