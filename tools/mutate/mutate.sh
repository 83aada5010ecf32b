#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Mutation check of the safety-critical code (docs/testing.md): apply each
# one-line mutation of tools/mutate/mutations.txt in turn to a copy of the
# tree (build/mutate/tree, never the developer's files), rebuild only what
# it touches, run the tests named for it and report killed or survived.
# Fails if any mutation survives, does not compile, or if its original text
# is not found exactly once in its file (the table must not rot silently).
#   tools/mutate/mutate.sh              every mutation
#   MUTATE_ONLY=ctl_out tools/mutate/mutate.sh   lines containing a text
# Each test binary gets MUTATE_TIMEOUT seconds (default 300): a hang under
# a mutation counts as killed (the run would not have passed).
set -u

ROOT=$(git rev-parse --show-toplevel) || exit 2
TABLE="$ROOT/tools/mutate/mutations.txt"
WORK="$ROOT/build/mutate"
COPY="$WORK/tree"
LOGS="$WORK/logs"
TIMEOUT=${MUTATE_TIMEOUT:-300}
ONLY=${MUTATE_ONLY:-}
MARK="$COPY/.mutating" # the file under mutation, while it is mutated
# Files mutated since the copy's build last saw them all original: the sync
# gives them back their old time stamps, so they are touched after it.
DIRTY="$WORK/dirty"

mkdir -p "$COPY" "$LOGS" || exit 2
# One run at a time on the copy.
LOCK="$WORK/lock"
if ! mkdir "$LOCK" 2>/dev/null; then
	echo "mutate: another run holds $LOCK (remove it if none is running)" >&2
	exit 2
fi

# Put the copied file back (content from the developer's tree) with a new
# time stamp, so the next build recompiles it.
restore() {
	[ -f "$MARK" ] || return 0
	f=$(cat "$MARK")
	echo "$f" >>"$DIRTY"
	cp "$ROOT/$f" "$COPY/$f" && touch "$COPY/$f" && rm -f "$MARK"
}
trap 'restore; exit 130' INT TERM HUP
trap 'restore; rmdir "$LOCK"' EXIT

# Sync the copy: every tracked or new (not ignored) file, time stamps kept
# so the copy's build stays incremental; files gone from the tree go.
sync_copy() {
	list="$WORK/files"
	(cd "$ROOT" && git ls-files -co --exclude-standard | sort) >"$list"
	(cd "$ROOT" && tar -cf - -T "$list") | tar -xpf - -C "$COPY" || return 1
	(cd "$COPY" && find . -path ./build -prune -o -path ./bin -prune -o \
		-type f ! -name .mutating -print | sed 's|^\./||' | sort) |
		comm -23 - "$list" | while read -r f; do rm -f "$COPY/$f"; done
}

# The table's texts are literal; \n and \t stand for a newline and a tab,
# so a mutation may span lines (swap two statements).
PERL_TEXTS='sub lit { my $s = shift; $s =~ s/\\n/\n/g; $s =~ s/\\t/\t/g; $s }
	my ($o, $r) = (lit($ENV{ORIG}), lit($ENV{REPL}));'

# Occurrences of ORIG in file $1.
count() {
	perl -0777 -ne "$PERL_TEXTS"'
	my ($n, $p) = (0, 0);
	while ((my $i = index($_, $o, $p)) >= 0) { $n++; $p = $i + 1 }
	print "$n\n";' "$1"
}

# Replace the one occurrence of ORIG by REPL in file $1.
apply() {
	perl -0777 -pi -e "$PERL_TEXTS"'
	substr($_, index($_, $o), length($o)) = $r;' "$1"
}

trim() { sed 's/^[[:space:]]*//; s/[[:space:]]*$//'; }

# Test binary paths for the names in $1 (test_x -> build/tests/unit/test_x).
bins() {
	for t in $1; do
		if [ -f "$COPY/tests/unit/$t.c" ]; then
			echo "build/tests/unit/$t"
		elif [ -f "$COPY/tests/integration/$t.c" ]; then
			echo "build/tests/integration/$t"
		else
			echo "missing/$t"
		fi
	done
}

# Build what the tests $1 need in the copy; bin/bench for integration.
build() {
	targets=$(bins "$1")
	case "$targets" in
	*integration*) targets="bin/bench $targets" ;;
	esac
	make -C "$COPY" -j2 --no-print-directory $targets </dev/null
}

# Run the test binaries of $1 in the copy; stop at the first failure.
# Prints the name of the test that failed, nothing if all passed.
run_tests() {
	for b in $(bins "$1"); do
		if ! (cd "$COPY" && timeout "$TIMEOUT" "$b" --jobs 2 \
			--fail-fast) </dev/null >>"$2" 2>&1; then
			echo "${b##*/}"
			return
		fi
	done
}

start=$(date +%s)
sync_copy || { echo "mutate: cannot copy the tree to $COPY" >&2; exit 2; }
[ -f "$MARK" ] && { cat "$MARK" >>"$DIRTY"; rm -f "$MARK"; }
[ -f "$DIRTY" ] && sort -u "$DIRTY" | while read -r f; do
	[ -f "$COPY/$f" ] && touch "$COPY/$f"
done

# The table: file @@ original @@ replacement @@ tests @@ description
entries="$WORK/entries"
grep -v '^[[:space:]]*#' "$TABLE" | grep -v '^[[:space:]]*$' |
	{ if [ -n "$ONLY" ]; then grep -F -- "$ONLY"; else cat; fi } >"$entries"
total=$(wc -l <"$entries")
[ "$total" -gt 0 ] || { echo "mutate: no mutations selected" >&2; exit 2; }

# Every named test must pass on the unmutated copy first.
all_tests=$(awk -F ' @@ ' '{ print $4 }' "$entries" | tr ' ' '\n' |
	grep . | sort -u | tr '\n' ' ')
echo "mutate: building the copy and running the baseline ($all_tests)"
if ! build "$all_tests" >"$LOGS/baseline.log" 2>&1; then
	echo "mutate: the unmutated copy does not build: $LOGS/baseline.log" >&2
	exit 2
fi
rm -f "$DIRTY"
failed=$(run_tests "$all_tests" "$LOGS/baseline.log")
if [ -n "$failed" ]; then
	echo "mutate: $failed fails without a mutation: $LOGS/baseline.log" >&2
	exit 2
fi
base=$(date +%s)
echo "mutate: baseline passed in $((base - start)) s; $total mutations"

n=0 killed=0 bad=0
survivors=""
while IFS= read -r line; do
	n=$((n + 1))
	file=$(printf "%s\n" "$line" | awk -F ' @@ ' '{ print $1 }' | trim)
	ORIG=$(printf "%s\n" "$line" | awk -F ' @@ ' '{ print $2 }' | trim)
	REPL=$(printf "%s\n" "$line" | awk -F ' @@ ' '{ print $3 }' | trim)
	tests=$(printf "%s\n" "$line" | awk -F ' @@ ' '{ print $4 }' | trim)
	desc=$(printf "%s\n" "$line" | awk -F ' @@ ' '{ print $5 }' | trim)
	export ORIG REPL
	log="$LOGS/$n.log"
	t0=$(date +%s)
	if [ -z "$desc" ] || [ -z "$tests" ] || [ ! -f "$COPY/$file" ]; then
		echo "[$n/$total] BROKEN   line '$line': needs file @@ original @@ replacement @@ tests @@ description"
		bad=$((bad + 1))
		continue
	fi
	found=$(count "$COPY/$file")
	if [ "$found" -ne 1 ]; then
		echo "[$n/$total] STALE    $file: original text found $found times: $ORIG"
		bad=$((bad + 1))
		continue
	fi
	echo "$file" >"$MARK"
	apply "$COPY/$file"
	echo "== $file: '$ORIG' -> '$REPL' ($desc)" >"$log"
	if ! build "$tests" >>"$log" 2>&1; then
		restore
		echo "[$n/$total] BROKEN   $file: the mutation does not compile ($log): $desc"
		bad=$((bad + 1))
		continue
	fi
	by=$(run_tests "$tests" "$log")
	restore
	dt=$(($(date +%s) - t0))
	if [ -n "$by" ]; then
		killed=$((killed + 1))
		echo "[$n/$total] killed   $file: $desc (by $by, ${dt} s)"
	else
		survivors="$survivors $n"
		echo "[$n/$total] SURVIVED $file: $desc (tests: $tests; ${dt} s; $log)"
	fi
done <"$entries"

end=$(date +%s)
judged=$((total - bad))
rate=0
[ "$judged" -gt 0 ] && rate=$((100 * killed / judged))
echo "mutate: $killed of $judged killed ($rate %), $bad broken or stale;" \
	"$((end - start)) s in all ($((end - base)) s for the mutations)"
[ -n "$survivors" ] && echo "mutate: survived:$survivors (write the test that kills each)"
[ "$killed" -eq "$total" ] || exit 1
exit 0
