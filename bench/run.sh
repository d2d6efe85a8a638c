#!/bin/sh
# make bench: speed and memory of ldrsnap on a generated 200 MB log, as a
# ratio against `grep -c -E 'failed|exception|ERROR'` measured in the same
# run on the same file (best of RUNS runs, file in the page cache): the
# default run (built-in rules, tokenizer thread), then without rules, as
# text, on a CRLF copy (as Windows tools write logs), on one thread, and
# with 1, 50 and 500 user rules.  Each row takes turns with grep, run for
# run, so that drift in the machine's speed moves both.
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
echo "input      $mb MiB generated log (bench/gen.c), best of $RUNS runs each"
echo "           (every row takes turns with grep, its baseline in the ratio)"
report() { # label seconds kb grep-seconds
    awk -v l="$1" -v s="$2" -v k="$3" -v g="$4" -v b="$bytes" 'BEGIN {
        printf "%-26s %6.3f s %6.0f MiB/s  peak RSS %5.1f MiB  ratio %5.2f  (grep %5.3f s)\n",
               l, s, b / 1048576 / s, k / 1024, s / g, g }'
}
# row LABEL ldrsnap-args...: the row's time against grep's, taking turns
row() {
    label=$1
    shift
    set -- $("$OUT/measure" "$RUNS" grep -c -E 'failed|exception|ERROR' "$LOG" \
                 -- "$LDRSNAP" "$@" "$LOG")
    report "$label" "$3" "$4" "$1"
    last_s=$3 last_k=$4 last_g=$1
}
# The default run: with cores to spare, the input is tokenized on a
# second thread (LDRSNAP_OPT_THREADED).  -j 1 keeps it on one thread.
row "ldrsnap (default)" --json
best=$last_s peak=$last_k base=$last_g
row "ldrsnap, no rules" --json --no-builtin-rules
row "ldrsnap text (default)"
[ "$last_k" -gt "$peak" ] && peak=$last_k
# Windows tools write CRLF line ends: the same log so, with its own grep
crlf="$OUT/big-$MB-crlf.log"
[ -s "$crlf" ] || sed 's/$/\r/' "$LOG" > "$crlf"
cat "$crlf" > /dev/null
lf=$LOG lf_bytes=$bytes
LOG=$crlf bytes=$(wc -c < "$crlf")
row "ldrsnap CRLF (default)" --json
[ "$last_k" -gt "$peak" ] && peak=$last_k
LOG=$lf bytes=$lf_bytes
row "ldrsnap -j 1 (one thread)" --json -j 1
row "ldrsnap -j 1, no rules" --json -j 1 --no-builtin-rules
for n in 1 50 500; do
    f=$(rules_file $n)
    row "ldrsnap, $n user rules" --json --no-builtin-rules --rules "$f"
    [ "$last_k" -gt "$peak" ] && peak=$last_k
done
awk -v s="$best" -v g="$base" -v k="$peak" 'BEGIN {
    printf "target     ratio <= 1.0: %.2f (default run, built-in rules); peak RSS <= 32 MiB: %.1f MiB\n", s / g, k / 1024 }'
