/*
 * errnos: errno names and numbers, both ways. Pure; see errnos.h. Depends on wrapper
 * (ARRAY_SIZE) only.
 */
#include "errnos.h"
#include "wrapper.h"

#include <string.h>

/* Linux x86-64 errno numbers (asm-generic/errno-base.h, errno.h, linux/errno.h). */
static const struct {
	const char *name;
	int num;
} errnos[] = {
	{ "EPERM", 1 },		{ "ENOENT", 2 },	{ "ESRCH", 3 },
	{ "EINTR", 4 },		{ "EIO", 5 },		{ "ENXIO", 6 },
	{ "E2BIG", 7 },		{ "ENOEXEC", 8 },	{ "EBADF", 9 },
	{ "ECHILD", 10 },	{ "EAGAIN", 11 },	{ "EWOULDBLOCK", 11 },
	{ "ENOMEM", 12 },	{ "EACCES", 13 },	{ "EFAULT", 14 },
	{ "ENOTBLK", 15 },	{ "EBUSY", 16 },	{ "EEXIST", 17 },
	{ "EXDEV", 18 },	{ "ENODEV", 19 },	{ "ENOTDIR", 20 },
	{ "EISDIR", 21 },	{ "EINVAL", 22 },	{ "ENFILE", 23 },
	{ "EMFILE", 24 },	{ "ENOTTY", 25 },	{ "ETXTBSY", 26 },
	{ "EFBIG", 27 },	{ "ENOSPC", 28 },	{ "ESPIPE", 29 },
	{ "EROFS", 30 },	{ "EMLINK", 31 },	{ "EPIPE", 32 },
	{ "EDOM", 33 },		{ "ERANGE", 34 },	{ "EDEADLK", 35 },
	{ "ENAMETOOLONG", 36 },	{ "ENOLCK", 37 },	{ "ENOSYS", 38 },
	{ "ENOTEMPTY", 39 },	{ "ELOOP", 40 },	{ "EOVERFLOW", 75 },
	{ "EILSEQ", 84 },	{ "ENOTSOCK", 88 },	{ "EOPNOTSUPP", 95 },
	{ "ENOTSUPP", 524 },	{ "ETIMEDOUT", 110 },	{ "ECONNREFUSED", 111 },
	{ "EINPROGRESS", 115 },	{ "ECANCELED", 125 },
	/* kernel-internal, seen as return values at kernel stops */
	{ "ERESTARTSYS", 512 },	{ "ERESTARTNOINTR", 513 }, { "ERESTARTNOHAND", 514 },
	{ "ENOIOCTLCMD", 515 },	{ "ERESTART_RESTARTBLOCK", 516 },
};

const char *errnos_name(int64_t errnum)
{
	for (size_t i = 0; i < ARRAY_SIZE(errnos); i++)
		if (errnos[i].num == errnum)
			return errnos[i].name;
	return NULL;
}

int errnos_find(const char *s, size_t n)
{
	for (size_t i = 0; i < ARRAY_SIZE(errnos); i++)
		if (strlen(errnos[i].name) == n && !memcmp(errnos[i].name, s, n))
			return errnos[i].num;
	return -1;
}
