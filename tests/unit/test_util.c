/* Unit tests for util: strbuf, strvec, SHA-256, JSON strings, file helpers. */
#include "test.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/stat.h>
#include <unistd.h>

TEST(strbuf_grows_and_stays_terminated)
{
	struct strbuf sb = STRBUF_INIT;
	EXPECT_EQ(sb.len, 0);
	EXPECT_STREQ(sb.buf, "");
	for (int i = 0; i < 1000; i++)
		strbuf_addf(&sb, "%d,", i);
	EXPECT_EQ(sb.buf[sb.len], '\0');
	EXPECT_TRUE(!strncmp(sb.buf, "0,1,2,", 6));
	strbuf_reset(&sb);
	strbuf_addstr(&sb, "abc  \n");
	strbuf_rtrim(&sb);
	EXPECT_STREQ(sb.buf, "abc");
	char *d = strbuf_detach(&sb, NULL);
	EXPECT_STREQ(d, "abc");
	EXPECT_STREQ(sb.buf, "");
	free(d);
	strbuf_release(&sb);
}

static void count_messages(enum diag_level level, const char *msg, void *ctx)
{
	(void)level;
	(void)msg;
	(*(int *)ctx)++;
}

TEST(diag_divert_errors_takes_errors_from_the_sink)
{
	struct strbuf sb = STRBUF_INIT;
	int n = 0;
	diag_set_sink(count_messages, &n, DIAG_INFO);
	diag_divert_errors(&sb);
	EXPECT_EQ(error("QEMU %s", "exited"), -1);
	errno = ENOENT;
	error_errno("cannot read '%s'", "x");
	info("still to the sink");
	debug("not even formatted");
	diag_divert_errors(NULL);
	error("to the sink again");
	EXPECT_STREQ(sb.buf, "QEMU exited\ncannot read 'x': No such file or directory\n");
	EXPECT_EQ(n, 2);
	/* Diverted even without a sink. */
	diag_set_sink(NULL, NULL, DIAG_ERROR);
	strbuf_reset(&sb);
	diag_divert_errors(&sb);
	error("kept");
	diag_divert_errors(NULL);
	EXPECT_STREQ(sb.buf, "kept\n");
	strbuf_release(&sb);
}

TEST(strvec_builds_argv)
{
	struct strvec sv = STRVEC_INIT;
	EXPECT_TRUE(sv.v[0] == NULL);
	strvec_pushl(&sv, "make", "-C", "dir with space", NULL);
	strvec_pushf(&sv, "-j%d", 2);
	EXPECT_EQ(sv.nr, 4);
	EXPECT_TRUE(sv.v[4] == NULL);
	struct strbuf sb = STRBUF_INIT;
	strvec_join_display(&sv, &sb);
	EXPECT_STREQ(sb.buf, "make -C 'dir with space' -j2");
	strbuf_release(&sb);
	strvec_clear(&sv);
	EXPECT_EQ(sv.nr, 0);
}

static void sha_of(const char *s, char hex[65])
{
	struct sha256 c;
	sha256_init(&c);
	sha256_update(&c, s, strlen(s));
	sha256_final_hex(&c, hex);
}

TEST(sha256_known_vectors)
{
	char hex[65];
	sha_of("", hex);
	EXPECT_STREQ(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	sha_of("abc", hex);
	EXPECT_STREQ(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	sha_of("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", hex);
	EXPECT_STREQ(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
	/* One million 'a', fed in uneven pieces: the streaming path. */
	struct sha256 c;
	char buf[997];
	memset(buf, 'a', sizeof(buf));
	sha256_init(&c);
	size_t left = 1000000;
	while (left) {
		size_t n = left < sizeof(buf) ? left : sizeof(buf);
		sha256_update(&c, buf, n);
		left -= n;
	}
	sha256_final_hex(&c, hex);
	EXPECT_STREQ(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

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

TEST(cache_dir_follows_environment)
{
	setenv("KDIVE_CACHE", "/x/y", 1);
	char *d = kdive_cache_dir();
	EXPECT_STREQ(d, "/x/y");
	free(d);
	unsetenv("KDIVE_CACHE");
	setenv("XDG_CACHE_HOME", "/xdg", 1);
	d = kdive_cache_dir();
	EXPECT_STREQ(d, "/xdg/kdive");
	free(d);
	unsetenv("XDG_CACHE_HOME");
	setenv("HOME", "/home/u", 1);
	d = kdive_cache_dir();
	EXPECT_STREQ(d, "/home/u/.cache/kdive");
	free(d);
	/* without HOME: the passwd entry's home, never /tmp */
	char *home = xstrdup(getenv("HOME"));
	unsetenv("HOME");
	d = kdive_cache_dir();
	EXPECT_TRUE(strncmp(d, "/tmp/", 5) != 0);
	EXPECT_CONTAINS(d, "/.cache/kdive");
	free(d);
	setenv("HOME", home, 1);
	free(home);
}

TEST(cache_dir_must_be_the_users_own)
{
	struct strbuf why = STRBUF_INIT;
	char *dir = xstrfmt("%s/cache", test_tmpdir());
	ASSERT_EQ(mkdir_p(dir, 0755), 0);
	EXPECT_TRUE(cache_dir_trusted(dir, &why));
	chmod(dir, 0777);
	EXPECT_TRUE(!cache_dir_trusted(dir, &why));
	EXPECT_CONTAINS(why.buf, "writable by others (mode 777)");
	strbuf_reset(&why);
	EXPECT_TRUE(!cache_dir_trusted("/no/such/dir", &why));
	free(dir);
	strbuf_release(&why);
}

TEST(strbuf_tail_takes_last_lines)
{
	struct strbuf sb = STRBUF_INIT;
	strbuf_add_tail(&sb, "one\ntwo\r\nthree\nfour\n\n", 2, "| ");
	EXPECT_STREQ(sb.buf, "| three\n| four\n");
	strbuf_reset(&sb);
	strbuf_add_tail(&sb, "a\nb", 0, "");
	EXPECT_STREQ(sb.buf, "a\nb\n");
	strbuf_reset(&sb);
	strbuf_add_tail(&sb, "", 5, "> ");
	EXPECT_STREQ(sb.buf, "");
	strbuf_release(&sb);
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
