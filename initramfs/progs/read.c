/* read: read(2) 64 bytes of /init: rax = 0, rdi = the fd, rdx = 64. */
#include <fcntl.h>
#include <unistd.h>

int main(void)
{
	char buf[64];
	int fd = open("/init", O_RDONLY);
	if (fd < 0)
		return 1;
	return read(fd, buf, sizeof(buf)) == sizeof(buf) ? 0 : 2;
}
