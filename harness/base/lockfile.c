/*
 * lockfile: an exclusive flock, waited for with a word to the user (lockfile.h).
 * Depends on usage.
 */
#include "lockfile.h"
#include "usage.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

int lock_file(const char *path, const char *what, struct strbuf *err)
{
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0)
		return strbuf_error_errno(err, "cannot open lock '%s'", path);
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		if (errno != EWOULDBLOCK) {
			strbuf_error_errno(err, "cannot lock '%s'", path);
			close(fd);
			return -1;
		}
		info("another kdive is building %s; waiting for it (lock %s)", what, path);
		while (flock(fd, LOCK_EX) < 0) {
			if (errno != EINTR) {
				strbuf_error_errno(err, "cannot lock '%s'", path);
				close(fd);
				return -1;
			}
		}
	}
	return fd;
}
