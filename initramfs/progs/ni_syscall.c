/*
 * ni_syscall: system call 236 was reserved for Linux-VServer and never implemented.
 * Its slot in x86-64's table is sys_ni_syscall, so x64_sys_call sends it to
 * __x64_sys_ni_syscall, which returns -ENOSYS (-38) in rax. (A number past the end
 * of the table never reaches that function: do_syscall_64 stores -ENOSYS itself.)
 */
#include <errno.h>
#include <unistd.h>

int main(void)
{
	long r = syscall(236);
	return r == -1 && errno == ENOSYS ? 0 : 1;
}
