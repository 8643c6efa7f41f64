/* head1 FILE: print FILE's first line (read(2) by read(2)), the smallest program of your own. */
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	char c;
	int fd = open(argc > 1 ? argv[1] : "/init", O_RDONLY);
	if (fd < 0) {
		perror(argc > 1 ? argv[1] : "/init");
		return 1;
	}
	while (read(fd, &c, 1) == 1 && c != '\n')
		putchar(c);
	putchar('\n');
	close(fd);
	return 0;
}
