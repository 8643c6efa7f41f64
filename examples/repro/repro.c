/*
 * A reproducer of your own, as kdive runs it: a second thread opens the data file the
 * scenario brings along (`file`), reads it, and sums its bytes with the assembler
 * routine in sum.S; a POSIX timer (librt) times the whole. Built by kdive with
 * repro.scn's cflags and libs: -pthread, -lrt.
 */
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

unsigned long sum_bytes(const unsigned char *p, unsigned long n); /* sum.S */

static void *reader(void *arg)
{
	const char *path = arg;
	unsigned char buf[256];
	int fd = open(path, O_RDONLY);
	if (fd < 0) {
		perror(path);
		return (void *)1;
	}
	ssize_t n = read(fd, buf, sizeof(buf));
	close(fd);
	printf("read %zd bytes of %s, sum %lu\n", n, path,
	       sum_bytes(buf, n > 0 ? (unsigned long)n : 0));
	return NULL;
}

int main(int argc, char **argv)
{
	const char *path = argc > 1 ? argv[1] : "/data/input.txt";
	struct sigevent ev = { .sigev_notify = SIGEV_NONE };
	timer_t timer;
	pthread_t t;
	void *failed;
	if (timer_create(CLOCK_MONOTONIC, &ev, &timer) < 0) {
		perror("timer_create");
		return 2;
	}
	if (pthread_create(&t, NULL, reader, (void *)path) || pthread_join(t, &failed))
		return 3;
	timer_delete(timer);
	return failed ? 1 : 0;
}
