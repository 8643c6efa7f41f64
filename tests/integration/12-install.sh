# make install and make uninstall, under /usr/local and a prefix with blanks.
#
# Sourced by tests/run, which runs the t_* functions in the order of its list,
# tests=() (some use kernels an earlier test built); each gets its scratch directory
# as $1. The checks (fail, expect_rc, contains...) are tests/lib.sh's.

t_install_and_uninstall() {
	# make install into a DESTDIR: the installed kdive runs a scenario from another
	# directory with its own data (share/kdive), and make uninstall leaves no file and
	# removes kdive's own directories only: a standard one stays, even empty, and so
	# does one that was there before (Debian ships an empty /usr/local/bin).
	local dest=$1/dest prefix=/usr/local bin
	mkdir -p "$dest$prefix/bin"
	make -s -C "$top" install DESTDIR="$dest" PREFIX=$prefix >"$1/install.log" 2>&1 ||
		{ sed 's/^/# /' "$1/install.log"; fail "make install failed"; } || return 1
	bin=$dest$prefix/bin/kdive
	for f in bin/kdive share/man/man1/kdive.1 share/man/man5/kdive-scenario.5 \
		share/bash-completion/completions/kdive share/kdive/kconfig/base.config \
		share/kdive/initramfs/init share/kdive/scenarios/fork.scn \
		share/kdive/scenarios/selftests/syscall_nt.scn; do
		[ -f "$dest$prefix/$f" ] || fail "not installed: $f" || return 1
	done
	# The docs that --help and the man page point to.
	for f in design.md result.schema.json serve.md; do
		cmp -s "$top/docs/$f" "$dest$prefix/share/doc/kdive/$f" ||
			fail "not installed: share/doc/kdive/$f" || return 1
	done
	mkdir -p "$1/elsewhere" && cp "$top/scenarios/getpid.scn" "$1/elsewhere/mine.scn"
	( cd "$1/elsewhere" && env -u KDIVE_DATA "$bin" -q run mine.scn ) >"$1/run.out" 2>&1 ||
		{ sed 's/^/# /' "$1/run.out"; fail "the installed kdive run failed"; } || return 1
	env -u KDIVE_DATA "$bin" debug --print-cmd >"$1/cmd.out" 2>&1 || fail "debug --print-cmd" || return 1
	grep -qF "source $dest$prefix/share/kdive/gdbinit/kdive.py" "$1/cmd.out" ||
		fail "the installed kdive does not use its installed data" || return 1
	env -u KDIVE_DATA "$bin" --version | grep -q '^kdive ' || fail "no --version" || return 1
	make -s -C "$top" uninstall DESTDIR="$dest" PREFIX=$prefix >"$1/uninstall.log" 2>&1 ||
		fail "make uninstall failed" || return 1
	[ -z "$(find "$dest" -type f -o -type l)" ] || fail "left: $(find "$dest" -type f)" || return 1
	local left want="usr usr/local usr/local/bin usr/local/share usr/local/share/bash-completion \
usr/local/share/bash-completion/completions usr/local/share/doc usr/local/share/man \
usr/local/share/man/man1 usr/local/share/man/man5 "
	left=$(cd "$dest" && find . -mindepth 1 -type d | sed 's|^\./||' | LC_ALL=C sort | tr '\n' ' ')
	[ "$left" = "$want" ] || fail "directories left: $left" || return 1
}

t_install_under_a_prefix_with_blanks() {
	# PREFIX='/opt/my dir': every path stays one word. install works, the installed
	# kdive runs, uninstall leaves nothing; and an uninstall whose PREFIX splits into
	# a second path (here a file of the test's) deletes nothing outside DESTDIR, nor
	# anything in the source tree.
	local dest=$1/dest prefix='/opt/my dir' tree_before tree_after
	tree_before=$(find "$top" -path "$top/.git" -prune -o -path "$top/build" -prune -o -print |
		LC_ALL=C sort)
	make -s -C "$top" install DESTDIR="$dest" PREFIX="$prefix" >"$1/install.log" 2>&1 ||
		{ sed 's/^/# /' "$1/install.log"; fail "make install failed"; } || return 1
	[ -x "$dest$prefix/bin/kdive" ] && [ -f "$dest$prefix/share/kdive/scenarios/fork.scn" ] ||
		fail "not installed under '$dest$prefix'" || return 1
	env -u KDIVE_DATA "$dest$prefix/bin/kdive" --version | grep -q '^kdive ' ||
		fail "the installed kdive has no --version" || return 1
	make -s -C "$top" uninstall DESTDIR="$dest" PREFIX="$prefix" >"$1/uninstall.log" 2>&1 ||
		{ sed 's/^/# /' "$1/uninstall.log"; fail "make uninstall failed"; } || return 1
	[ -z "$(find "$dest" -type f -o -type l)" ] || fail "left: $(find "$dest" -type f)" || return 1
	[ ! -e "$dest$prefix/share/kdive" ] || fail "share/kdive left" || return 1
	mkdir -p "$1/victim/bin" && : >"$1/victim/bin/kdive"
	make -s -C "$top" uninstall DESTDIR="$1/none" PREFIX="/x $1/victim" >"$1/uninstall2.log" 2>&1 ||
		{ sed 's/^/# /' "$1/uninstall2.log"; fail "make uninstall (nothing installed) failed"; } ||
		return 1
	[ -f "$1/victim/bin/kdive" ] || fail "uninstall deleted a file outside DESTDIR" || return 1
	tree_after=$(find "$top" -path "$top/.git" -prune -o -path "$top/build" -prune -o -print |
		LC_ALL=C sort)
	[ "$tree_before" = "$tree_after" ] ||
		fail "the source tree changed: $(diff <(echo "$tree_before") <(echo "$tree_after") | head -5 | tr '\n' ' ')" ||
		return 1
}
