#!/bin/sh
# make bench: speed and memory of ldrsnap on a generated 200 MB log, as a
# ratio against `grep -c -E 'failed|exception|ERROR'` measured in the same
# run on the same file (best of RUNS runs, file in the page cache): the
# default run (built-in rules, tokenizer thread), then without rules, on
# one thread, and with 1, 50 and 500 user rules.
set -eu
LDRSNAP=${1:-build/ldrsnap}
MB=${BENCH_MB:-200}
RUNS=${RUNS:-5}
OUT=bench/out
mkdir -p "$OUT"
cc -O2 -o "$OUT/gen" bench/gen.c
cc -O2 -o "$OUT/measure" bench/measure.c
LOG="$OUT/big-$MB.log"
[ -s "$LOG" ] || "$OUT/gen" "$MB" > "$LOG"
bytes=$(wc -c < "$LOG")
cat "$LOG" > /dev/null # warm the page cache

# N user rules: half bare patterns (found through the literal prefilter),
# half structural steps with a pattern (found through the msg index).
rules_file() {
    f="$OUT/rules-$1.yml"
    awk -v n="$1" 'BEGIN {
        print "rules:"
        for (i = 0; i < n; i++) {
            printf "- id: bench-%d\n  title: bench rule %d\n  severity: info\n", i, i
            if (i % 2)
                printf "  match: {pattern: \x27CustomMarker%04d\\b\x27}\n", i
            else
                printf "  match: {msg: unable_to_load, pattern: \x27DLL: \"lib%04d\\.dll\"\x27}\n", i
        }
    }' > "$f"
    echo "$f"
}

mb=$(awk -v b="$bytes" 'BEGIN { printf "%.0f", b / 1048576 }')
echo "input      $mb MiB generated log (bench/gen.c), best of $RUNS runs"
set -- $("$OUT/measure" "$RUNS" grep -c -E 'failed|exception|ERROR' "$LOG")
g_s=$1
report() { # label seconds kb
    awk -v l="$1" -v s="$2" -v k="$3" -v g="$g_s" -v b="$bytes" 'BEGIN {
        printf "%-26s %6.3f s %6.0f MiB/s  peak RSS %5.1f MiB  ratio %5.2f\n",
               l, s, b / 1048576 / s, k / 1024, s / g }'
}
report "grep -c -E (baseline)" "$1" "$2"
# The default run: with cores to spare, the input is tokenized on a
# second thread (LDRSNAP_OPT_THREADED).  -j 1 keeps it on one thread.
set -- $("$OUT/measure" "$RUNS" "$LDRSNAP" --json "$LOG")
report "ldrsnap (default)" "$1" "$2"
best=$1 peak=$2
set -- $("$OUT/measure" "$RUNS" "$LDRSNAP" --json --no-builtin-rules "$LOG")
report "ldrsnap, no rules" "$1" "$2"
set -- $("$OUT/measure" "$RUNS" "$LDRSNAP" "$LOG")
report "ldrsnap text (default)" "$1" "$2"
[ "$2" -gt "$peak" ] && peak=$2
set -- $("$OUT/measure" "$RUNS" "$LDRSNAP" --json -j 1 "$LOG")
report "ldrsnap -j 1 (one thread)" "$1" "$2"
set -- $("$OUT/measure" "$RUNS" "$LDRSNAP" --json -j 1 --no-builtin-rules "$LOG")
report "ldrsnap -j 1, no rules" "$1" "$2"
for n in 1 50 500; do
    f=$(rules_file $n)
    set -- $("$OUT/measure" "$RUNS" "$LDRSNAP" --json --no-builtin-rules --rules "$f" "$LOG")
    report "ldrsnap, $n user rules" "$1" "$2"
    [ "$2" -gt "$peak" ] && peak=$2
done
awk -v s="$best" -v g="$g_s" -v k="$peak" 'BEGIN {
    printf "target     ratio <= 1.0: %.2f (default run, built-in rules); peak RSS <= 32 MiB: %.1f MiB\n", s / g, k / 1024 }'
