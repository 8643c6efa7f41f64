# The source tree's own rules: the layers, the sizes of files and functions, and
# make mutate's list still applying.
#
# Sourced by tests/run, which runs the t_* functions in the order of its list,
# tests=() (some use kernels an earlier test built); each gets its scratch directory
# as $1. The checks (fail, expect_rc, contains...) are tests/lib.sh's.

t_sizes_within_limits() {
	# No source file of harness/ over 800 lines, no function over 150: tests/tools/sizes
	# prints the largest of each, and each one over its limit.
	expect_rc 0 "$tools/sizes" || return 1
	sed 's/^/# /' <<<"$out" | head -n 14
}

t_modules_follow_the_layers() {
	# tests/tools/layers: includes only go down the layers, and library code never prints.
	expect_rc 0 "$tools/layers" || return 1
}

t_mutation_list_applies() {
	# make mutate's cheap half: every planted bug of tests/mutations still applies (its
	# file is there, its text in it exactly once), so the list cannot rot between runs
	# of make mutate. And the check fails when an entry's text is missing or doubled, or
	# its file is gone: tests/mutate on a list and tree of its own, in a scratch copy.
	expect_rc 0 "$here/mutate" --check || return 1
	contains "$out" ", 0 broken" || return 1
	local t=$1/tree
	mkdir -p "$t/tests"
	cp "$here/mutate" "$t/tests/mutate"
	printf 'int a;\nint b;\nint b;\n' >"$t/x.c"
	local e
	for e in 'once|int a;' 'missing|int c;' 'doubled|int b;' 'two lines|int a;\nint b;\nint b;'; do
		printf 'bug: %s\nfile: x.c\nfind: %s\nreplace: int z;\ncatch: make unit\n\n' \
			"${e%%|*}" "${e#*|}"
	done >"$t/tests/mutations"
	printf 'bug: gone\nfile: y.c\nfind: int a;\nreplace: int z;\ncatch: make unit\n' >>"$t/tests/mutations"
	expect_rc 0 "$t/tests/mutate" --check once || return 1
	expect_rc 0 "$t/tests/mutate" --check 4 || return 1
	expect_rc 1 "$t/tests/mutate" --check || return 1
	contains "$out" "BROKEN: tests/mutations:7: x.c: its text occurs 0 times in the file, not once" || return 1
	contains "$out" "BROKEN: tests/mutations:13: x.c: its text occurs 2 times in the file, not once" || return 1
	contains "$out" "BROKEN: tests/mutations:25: y.c: cannot read the file: No such file or directory" || return 1
	contains "$out" "# tests/mutations: 5 entries, 3 broken" || return 1
	[ "$(grep -c '^BROKEN' <<<"$out")" = 3 ] || fail "not three broken entries: $out" || return 1
}
