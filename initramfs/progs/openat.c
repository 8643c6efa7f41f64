/* openat: openat(2) of /init relative to the working directory: rax = 257, rdi = AT_FDCWD (-100). */
#include <fcntl.h>
#include <unistd.h>

int main(void)
{
	int fd = openat(AT_FDCWD, "/init", O_RDONLY);
	return fd >= 0 ? 0 : 1;
}
