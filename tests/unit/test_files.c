/* Unit tests for files: mkdir -p, rm -rf, and write_file_atomic on every kind of path. */
#include "test.h"
#include "files.h"
#include "sha256.h"
#include "strbuf.h"
#include "wrapper.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/stat.h>
#include <unistd.h>

TEST(files_mkdir_write_remove)
{
	char *root = xstrfmt("%s/a", test_tmpdir());
	char *deep = xstrfmt("%s/b/c", root);
	char *file = xstrfmt("%s/f", deep);
	ASSERT_EQ(mkdir_p(deep, 0755), 0);
	ASSERT_EQ(write_file_atomic(file, "hello", 5), 0);
	struct strbuf sb = STRBUF_INIT;
	ASSERT_EQ(strbuf_read_file(&sb, file), 0);
	EXPECT_STREQ(sb.buf, "hello");
	char hex[65];
	ASSERT_EQ(sha256_file_hex(file, hex), 0);
	EXPECT_STREQ(hex, "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824");
	EXPECT_EQ(remove_tree(root), 0);
	EXPECT_EQ(path_exists(root), 0);
	strbuf_release(&sb);
	free(root);
	free(deep);
	free(file);
}

/* The names in dir, sorted, one per line: what a write left behind. */
static char *listing(const char *dir)
{
	struct dirent **ents;
	int n = scandir(dir, &ents, NULL, alphasort);
	struct strbuf sb = STRBUF_INIT;
	for (int i = 0; i < n; i++) {
		if (strcmp(ents[i]->d_name, ".") && strcmp(ents[i]->d_name, ".."))
			strbuf_addf(&sb, "%s\n", ents[i]->d_name);
		free(ents[i]);
	}
	if (n >= 0)
		free(ents);
	else
		strbuf_addstr(&sb, "(unreadable)");
	return strbuf_detach(&sb, NULL);
}

static char *slurp(const char *path)
{
	struct strbuf sb = STRBUF_INIT;
	if (strbuf_read_file(&sb, path) < 0)
		strbuf_addstr(&sb, "(unreadable)");
	return strbuf_detach(&sb, NULL);
}

#define EXPECT_FILE(path, want)                  \
	do {                                     \
		char *got_ = slurp(path);        \
		EXPECT_STREQ(got_, want);        \
		free(got_);                      \
	} while (0)

#define EXPECT_LISTING(dir, want)                \
	do {                                     \
		char *got_ = listing(dir);       \
		EXPECT_STREQ(got_, want);        \
		free(got_);                      \
	} while (0)

TEST(write_file_atomic_replaces_and_leaves_no_temporary)
{
	const char *dir = test_tmpdir();
	char *path = xstrfmt("%s/report.json", dir);
	EXPECT_EQ(write_file_atomic(path, "{}\n", 3), 0);
	EXPECT_FILE(path, "{}\n");
	/* replacing keeps no temporary behind */
	EXPECT_EQ(write_file_atomic(path, "[]\n", 3), 0);
	EXPECT_FILE(path, "[]\n");
	EXPECT_LISTING(dir, "report.json\n");
	free(path);

	path = xstrfmt("%s/no/such/dir/r.json", dir);
	errno = 0;
	EXPECT_EQ(write_file_atomic(path, "x", 1), -1);
	EXPECT_EQ(errno, ENOENT);
	free(path);
}

TEST(write_file_atomic_ignores_a_planted_temporary)
{
	/* The old temporary's name was PATH.tmp.PID: a link planted there was written through. */
	const char *dir = test_tmpdir();
	char *path = xstrfmt("%s/out.txt", dir);
	char *victim = xstrfmt("%s/victim", dir);
	char *plant = xstrfmt("%s.tmp.%d", path, (int)getpid());
	ASSERT_EQ(write_file_atomic(victim, "precious\n", 9), 0);
	ASSERT_EQ(symlink("victim", plant), 0);
	EXPECT_EQ(write_file_atomic(path, "report\n", 7), 0);
	EXPECT_FILE(victim, "precious\n");
	EXPECT_FILE(path, "report\n");
	struct stat st;
	EXPECT_EQ(lstat(path, &st), 0);
	EXPECT_TRUE(S_ISREG(st.st_mode));
	free(path);
	free(victim);
	free(plant);
}

TEST(write_file_atomic_keeps_a_symlink_and_writes_its_target)
{
	const char *dir = test_tmpdir();
	char *sub = xstrfmt("%s/real", dir);
	char *real = xstrfmt("%s/real/fork.scn", dir);
	char *link = xstrfmt("%s/fork.scn", dir);
	char *link2 = xstrfmt("%s/again.scn", dir);
	char buf[64];
	ASSERT_EQ(mkdir_p(sub, 0755), 0);
	ASSERT_EQ(write_file_atomic(real, "old\n", 4), 0);
	ASSERT_EQ(chmod(real, 0640), 0);
	ASSERT_EQ(symlink("real/fork.scn", link), 0);
	ASSERT_EQ(symlink(link, link2), 0); /* absolute, to a link */

	EXPECT_EQ(write_file_atomic(link, "new\n", 4), 0);
	EXPECT_FILE(real, "new\n");
	ssize_t n = readlink(link, buf, sizeof(buf) - 1);
	ASSERT_TRUE(n > 0);
	buf[n] = '\0';
	EXPECT_STREQ(buf, "real/fork.scn");
	EXPECT_EQ(write_file_atomic(link2, "newer\n", 6), 0);
	EXPECT_FILE(real, "newer\n");
	struct stat st;
	EXPECT_EQ(lstat(link2, &st), 0);
	EXPECT_TRUE(S_ISLNK(st.st_mode));
	EXPECT_EQ(stat(real, &st), 0);
	EXPECT_EQ(st.st_mode & 07777, 0640);
	EXPECT_LISTING(dir, "again.scn\nfork.scn\nreal\n");
	EXPECT_LISTING(sub, "fork.scn\n");

	/* A dangling link: its target is created, the link stays. */
	char *dangle = xstrfmt("%s/dangle", dir);
	char *made = xstrfmt("%s/real/made", dir);
	ASSERT_EQ(symlink("real/made", dangle), 0);
	EXPECT_EQ(write_file_atomic(dangle, "x", 1), 0);
	EXPECT_FILE(made, "x");
	EXPECT_EQ(lstat(dangle, &st), 0);
	EXPECT_TRUE(S_ISLNK(st.st_mode));

	/* A loop fails as open(2) would. */
	char *loop = xstrfmt("%s/loop", dir);
	ASSERT_EQ(symlink("loop", loop), 0);
	errno = 0;
	EXPECT_EQ(write_file_atomic(loop, "x", 1), -1);
	EXPECT_EQ(errno, ELOOP);
	EXPECT_LISTING(dir, "again.scn\ndangle\nfork.scn\nloop\nreal\n");
	free(sub);
	free(real);
	free(link);
	free(link2);
	free(dangle);
	free(made);
	free(loop);
}

TEST(write_file_atomic_keeps_the_mode)
{
	const char *dir = test_tmpdir();
	char *path = xstrfmt("%s/secret", dir);
	struct stat st;
	ASSERT_EQ(write_file_atomic(path, "a", 1), 0);
	ASSERT_EQ(chmod(path, 0600), 0);
	EXPECT_EQ(write_file_atomic(path, "b", 1), 0);
	EXPECT_EQ(stat(path, &st), 0);
	EXPECT_EQ(st.st_mode & 07777, 0600);
	ASSERT_EQ(chmod(path, 0755), 0);
	EXPECT_EQ(write_file_atomic(path, "c", 1), 0);
	EXPECT_EQ(stat(path, &st), 0);
	EXPECT_EQ(st.st_mode & 07777, 0755);
	EXPECT_FILE(path, "c");
	free(path);

	/* A new file gets 0644 less the umask, like open(2) with 0644. */
	umask(027);
	path = xstrfmt("%s/fresh", dir);
	EXPECT_EQ(write_file_atomic(path, "d", 1), 0);
	EXPECT_EQ(stat(path, &st), 0);
	EXPECT_EQ(st.st_mode & 07777, 0640);
	EXPECT_EQ(umask(022), 027); /* and the umask is left as it was */
	free(path);
}

TEST(write_file_atomic_writes_through_a_fifo)
{
	const char *dir = test_tmpdir();
	char *path = xstrfmt("%s/pipe", dir);
	char buf[64];
	ASSERT_EQ(mkfifo(path, 0600), 0);
	/* A reader first, so that the writer's open does not wait for one. */
	int rd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	ASSERT_TRUE(rd >= 0);
	EXPECT_EQ(write_file_atomic(path, "through\n", 8), 0);
	ssize_t n = read(rd, buf, sizeof(buf) - 1);
	EXPECT_EQ(n, 8);
	buf[n > 0 ? n : 0] = '\0';
	EXPECT_STREQ(buf, "through\n");
	close(rd);
	struct stat st;
	EXPECT_EQ(lstat(path, &st), 0);
	EXPECT_TRUE(S_ISFIFO(st.st_mode));
	EXPECT_LISTING(dir, "pipe\n");
	free(path);
}

TEST(write_file_atomic_writes_through_fd_links)
{
	/* /dev/stdout is /proc/self/fd/1: a pipe there is written through... */
	int pfd[2];
	char buf[64];
	ASSERT_EQ(pipe(pfd), 0);
	char *path = xstrfmt("/proc/self/fd/%d", pfd[1]);
	EXPECT_EQ(write_file_atomic(path, "piped", 5), 0);
	close(pfd[1]);
	ssize_t n = read(pfd[0], buf, sizeof(buf) - 1);
	EXPECT_EQ(n, 5);
	buf[n > 0 ? n : 0] = '\0';
	EXPECT_STREQ(buf, "piped");
	close(pfd[0]);
	free(path);

	/* ...and so is a regular file (stdout redirected by the shell): the open file
	 * gets the data, truncated as by `>`, instead of a new file under its name... */
	const char *dir = test_tmpdir();
	char *f = xstrfmt("%s/f", dir);
	struct stat st, fst;
	ASSERT_EQ(write_file_atomic(f, "old old old", 11), 0);
	int wfd = open(f, O_WRONLY | O_CLOEXEC);
	ASSERT_TRUE(wfd >= 0);
	path = xstrfmt("/proc/self/fd/%d", wfd);
	EXPECT_EQ(write_file_atomic(path, "new", 3), 0);
	EXPECT_EQ(stat(f, &st), 0);
	EXPECT_EQ(fstat(wfd, &fst), 0);
	EXPECT_EQ(st.st_ino, fst.st_ino);
	EXPECT_FILE(f, "new");
	close(wfd);
	free(path);
	ASSERT_EQ(unlink(f), 0);

	/* ...and a file the link cannot name ("/dir/f (deleted)"): nothing is created in
	 * its stead. */
	ASSERT_EQ(write_file_atomic(f, "old old old", 11), 0);
	int fd = open(f, O_RDONLY | O_CLOEXEC);
	ASSERT_TRUE(fd >= 0);
	ASSERT_EQ(unlink(f), 0);
	path = xstrfmt("/proc/self/fd/%d", fd);
	EXPECT_EQ(write_file_atomic(path, "new", 3), 0);
	n = pread(fd, buf, sizeof(buf) - 1, 0);
	EXPECT_EQ(n, 3);
	buf[n > 0 ? n : 0] = '\0';
	EXPECT_STREQ(buf, "new");
	EXPECT_LISTING(dir, "");
	close(fd);
	free(path);
	free(f);
}

TEST(write_file_atomic_refuses_a_directory_and_a_socket)
{
	const char *dir = test_tmpdir();
	char *path = xstrfmt("%s/out", dir);
	char *link = xstrfmt("%s/link", dir);
	ASSERT_EQ(mkdir_p(path, 0755), 0);
	ASSERT_EQ(symlink("out", link), 0);
	errno = 0;
	EXPECT_EQ(write_file_atomic(path, "x", 1), -1);
	EXPECT_EQ(errno, EISDIR);
	errno = 0;
	EXPECT_EQ(write_file_atomic(link, "x", 1), -1);
	EXPECT_EQ(errno, EISDIR);

	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char *sock = xstrfmt("%s/sock", dir);
	ASSERT_TRUE(strlen(sock) < sizeof(sa.sun_path));
	strcpy(sa.sun_path, sock);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ASSERT_TRUE(fd >= 0);
	ASSERT_EQ(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	errno = 0;
	EXPECT_EQ(write_file_atomic(sock, "x", 1), -1);
	EXPECT_EQ(errno, ENXIO);
	struct stat st;
	EXPECT_EQ(lstat(sock, &st), 0);
	EXPECT_TRUE(S_ISSOCK(st.st_mode));
	close(fd);

	EXPECT_LISTING(dir, "link\nout\nsock\n");
	EXPECT_LISTING(path, "");
	free(path);
	free(link);
	free(sock);
}

TEST(write_file_atomic_failure_keeps_the_old_file)
{
	/* A write that fails half-way (the file size limit) leaves the old file and no
	 * temporary behind. */
	const char *dir = test_tmpdir();
	char *path = xstrfmt("%s/report", dir);
	char big[4096];
	memset(big, 'x', sizeof(big));
	ASSERT_EQ(write_file_atomic(path, "old\n", 4), 0);
	signal(SIGXFSZ, SIG_IGN);
	/* The soft limit only, and back after: the coverage build's counters are written
	 * at the test's end and are larger than 1 KiB. */
	struct rlimit old, rl;
	ASSERT_EQ(getrlimit(RLIMIT_FSIZE, &old), 0);
	rl = (struct rlimit){ 1024, old.rlim_max };
	ASSERT_EQ(setrlimit(RLIMIT_FSIZE, &rl), 0);
	errno = 0;
	EXPECT_EQ(write_file_atomic(path, big, sizeof(big)), -1);
	EXPECT_EQ(errno, EFBIG);
	ASSERT_EQ(setrlimit(RLIMIT_FSIZE, &old), 0);
	EXPECT_FILE(path, "old\n");
	EXPECT_LISTING(dir, "report\n");
	free(path);
}
