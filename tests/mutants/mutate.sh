#!/bin/sh
# make mutate: each patch in tests/mutants/ breaks one critical check the
# way a tired hand would (one line, still compiling); the suite has to
# notice.  A patch names the test that kills it in a header line
#
#	Killed-by: unit privsep/test_sandbox
#	Killed-by: integration tests/integration/test_keys.py::test_revoked
#
# (a unit test binary under $BUILD/tests/, or a pytest node id).  Each
# mutant is applied to a scratch copy of the tree, rebuilt, and that test
# is run first.  If it still passes, every unit and integration test
# runs: a mutant nothing kills is reported as surviving, and so is one
# killed by some other test than the one its header names (the header
# is the guard a reader relies on).  A patch that no longer applies, or
# a mutant that no longer builds, fails too: fix the patch.
#
# Usage: mutate.sh BUILD [patch...]    (default: every tests/mutants/*.patch)
set -u

top=$(pwd)
build=${1:?usage: mutate.sh BUILD [patch...]}
shift
scratch=$top/$build/mutate
src=$scratch/src
python=${PYTHON:-/usr/bin/python3}

if [ $# -eq 0 ]; then
	set -- "$top"/tests/mutants/*.patch
fi

# A copy of what is tracked (or of everything but build/ without git),
# built once; each mutant then rebuilds only what its patch touches.
rm -rf "$src"
mkdir -p "$src"
if git -C "$top" rev-parse --git-dir >/dev/null 2>&1; then
	(git -C "$top" ls-files -z --cached --others --exclude-standard |
	    (cd "$top" && xargs -0 cp --parents -t "$src")) || exit 1
else
	(cd "$top" && tar --exclude="./$build" -cf - .) | (cd "$src" && tar xf -)
fi
cd "$src" || exit 1

units() {
	make -s BUILD=build -j2 all $(ls tests/*/test_*.c tests/*/*/test_*.c \
	    2>/dev/null | sed 's,^tests/\(.*\)\.c$,build/tests/\1,')
}

echo "mutate: building the scratch tree"
units >"$scratch/build.log" 2>&1 || {
	tail -n 30 "$scratch/build.log"; echo "mutate: the tree does not build"
	exit 1
}

# Run one test spec ("unit X" or "integration NODE"); 0 if it passes.
run_test() {
	kind=$1
	what=$2
	case $kind in
	unit)
		[ -x "build/tests/$what" ] || {
			echo "no unit test build/tests/$what"; return 2; }
		"build/tests/$what" ;;
	integration)
		HERALDD=$src/build/heraldd HERALDCTL=$src/build/heraldctl \
		    "$python" -m pytest -q -x -p no:cacheprovider "$what" ;;
	*)
		echo "unknown test kind $kind"; return 2 ;;
	esac
}

# Every test, stopping at the first failure, which it names in $killer;
# 0 if all pass.
run_all() {
	killer=
	for t in build/tests/*/test_* build/tests/*/*/test_*; do
		[ -x "$t" ] || continue
		"$t" >/dev/null 2>&1 || { killer="unit ${t#build/tests/}"; return 1; }
	done
	out=$(HERALDD=$src/build/heraldd HERALDCTL=$src/build/heraldctl \
	    "$python" -m pytest -q -x -p no:cacheprovider -rf tests/integration \
	    2>&1) && return 0
	killer="integration $(printf '%s\n' "$out" | sed -n 's/^FAILED \([^ ]*\).*/\1/p' |
	    head -n 1)"
	return 1
}

n=0
bad=0
for p in "$@"; do
	name=${p##*/}
	name=${name%.patch}
	n=$((n + 1))
	spec=$(sed -n 's/^Killed-by: //p' "$p" | head -n 1)
	if [ -z "$spec" ]; then
		echo "mutant $name: no Killed-by line"; bad=$((bad + 1)); continue
	fi
	if ! patch -p1 -s -f --dry-run <"$p" >/dev/null 2>&1; then
		echo "mutant $name: does not apply"; bad=$((bad + 1)); continue
	fi
	patch -p1 -s -f <"$p" >/dev/null
	log=$scratch/$name.log
	if ! units >"$log" 2>&1; then
		echo "mutant $name: does not build (see $log)"
		bad=$((bad + 1))
	elif ! run_test $spec >>"$log" 2>&1; then
		echo "mutant $name: killed by $spec"
	elif run_all; then
		echo "mutant $name: SURVIVED every test"
		bad=$((bad + 1))
	else
		echo "mutant $name: killed by $killer, not by $spec (fix its header)"
		bad=$((bad + 1))
	fi
	patch -p1 -R -s -f <"$p" >/dev/null || {
		echo "mutant $name: cannot be taken back out"; exit 1; }
done

echo "mutate: $n mutants, $((n - bad)) killed by their named test"
[ "$bad" -eq 0 ]
