/*
 * busy: background load for SMP tests (kdive.busy=busy on the kernel command line).
 * For at most 60 s, on whatever CPU the scheduler gives it, it makes the system calls
 * the scenario library stops on — getpid, write, openat, read, clone (fork) — so that
 * a breakpoint limited to "this program" must tell the CPUs' running tasks apart.
 */
#include <fcntl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int main(void)
{
	char buf[16];
	time_t end = time(NULL) + 60;
	while (time(NULL) < end) {
		(void)getpid();
		int fd = open("/proc/self/stat", O_RDONLY);
		if (fd >= 0) {
			(void)read(fd, buf, sizeof(buf));
			close(fd);
		}
		fd = open("/dev/null", O_WRONLY);
		if (fd >= 0) {
			(void)write(fd, "busy\n", 5);
			close(fd);
		}
		pid_t child = fork();
		if (child == 0)
			_exit(0);
		if (child > 0)
			waitpid(child, NULL, 0);
	}
	return 0;
}
