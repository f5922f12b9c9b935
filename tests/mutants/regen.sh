#!/bin/sh
# Write the diff of each mutant again from its header, so a patch follows
# its line when code moves between files:
#
#	Break: <the exact line, tabs and all, found once in the C sources>
#	Into: <what the mutant makes of it>
#
# Run from the top of the tree: sh tests/mutants/regen.sh [patch...]
set -eu

if [ $# -eq 0 ]; then
	set -- tests/mutants/*.patch
fi
for p in "$@"; do
	brk=$(sed -n 's/^Break: //p' "$p")
	into=$(sed -n 's/^Into: //p' "$p")
	[ -n "$brk" ] && [ -n "$into" ] || {
		echo "$p: needs Break: and Into: lines" >&2; exit 1; }
	hits=$(git ls-files '*.c' '*.h' | grep -v '^tests/' |
	    xargs grep -nxF -- "$brk" /dev/null || true)
	[ "$(printf '%s\n' "$hits" | grep -c .)" -eq 1 ] || {
		echo "$p: the Break: line is not found exactly once:" >&2
		printf '%s\n' "$hits" >&2; exit 1; }
	file=${hits%%:*}
	line=$(printf '%s' "$hits" | cut -d: -f2)
	tmp=$(mktemp)
	R=$into awk -v n="$line" 'NR == n { print ENVIRON["R"]; next } { print }' \
	    "$file" >"$tmp"
	head=$(mktemp)
	sed '/^--- a\//,$d' "$p" >"$head"
	{ cat "$head"; diff -u --label "a/$file" --label "b/$file" \
	    "$file" "$tmp" || true; } >"$p.new"
	mv "$p.new" "$p"
	rm -f "$tmp" "$head"
done
