#!/bin/sh
# make bench: speed and memory of ldrsnap, as a ratio against
# `grep -c -E 'failed|exception|ERROR'` measured in the same run (best of
# RUNS runs, files in the page cache; each row takes turns with its grep,
# run for run, so that drift in the machine's speed moves both).
#
# First the realistic rows, on a capture from the generator with truth
# (bench/capgen.c: thousands of processes, both dialects, every debugger
# host, Windows 11 compact lines, up to four interleaved loader threads):
# the default run (built-in rules, tokenizer thread, JSONL), -j 1, the
# capture as Visual Studio saves it (UTF-16LE + CRLF, against grep on the
# UTF-8 file), a capture with `image(pid): ` before every loader line,
# --all, and text; then the floor (cat FILE > /dev/null, wc -l) to show
# how far each row is from reading the bytes.  Then the rows of the
# generated one-shape log (bench/gen.c).  Last, the peak RSS at 2 GB
# (BENCH_BIG_MB), the capture streamed through a pipe (no disk), in every
# format and ldrsnap tree: memory must not grow with the log.
# BENCH_BIG_MB=0 skips it.  The page (--format=html) is timed against the
# JSON Lines of the same log, taking turns.
set -eu
LDRSNAP=${1:-build/ldrsnap}
MB=${BENCH_MB:-200}
BIG_MB=${BENCH_BIG_MB:-2048}
RUNS=${RUNS:-5}
OUT=bench/out
mkdir -p "$OUT"
cc -O2 -o "$OUT/gen" bench/gen.c
cc -O2 -o "$OUT/capgen" bench/capgen.c
cc -O2 -o "$OUT/measure" bench/measure.c

report() { # label seconds kb baseline-seconds bytes
    awk -v l="$1" -v s="$2" -v k="$3" -v g="$4" -v b="$5" 'BEGIN {
        printf "%-30s %6.3f s %6.0f MiB/s  peak RSS %5.1f MiB  ratio %5.2f  (grep %5.3f s)\n",
               l, s, b / 1048576 / s, k / 1024, s / g, g }'
}
peak=0
# html_row LABEL FILE: the page (--format=html) against the JSON Lines of
# the same file, taking turns; the ratio of their times and the page's size
# (issue 13: at most twice the time, at most 5 MB)
html_row() {
    label=$1 file=$2
    # shellcheck disable=SC2086
    set -- $("$OUT/measure" "$RUNS" "$LDRSNAP" --json "$file" \
                 -- "$LDRSNAP" --format=html "$file")
    page=$(wc -c < "$OUT/measure.out") # the last command's output
    awk -v l="$label" -v j="$1" -v s="$3" -v k="$4" -v p="$page" 'BEGIN {
        printf "%-30s %6.3f s  peak RSS %5.1f MiB  ratio to JSONL %4.2f (%5.3f s; <= 2.0)  page %.2f MB (<= 5)\n",
               l, s, k / 1024, s / j, j, p / 1e6 }'
    [ "$4" -gt "$peak" ] && peak=$4
    return 0
}
# row LABEL GREP-FILE FILE ldrsnap-args...: ldrsnap on FILE against grep
# on GREP-FILE, taking turns
row() {
    label=$1 gfile=$2 file=$3
    shift 3
    # shellcheck disable=SC2086
    set -- $("$OUT/measure" "$RUNS" grep -c -E 'failed|exception|ERROR' "$gfile" \
                 -- "$LDRSNAP" "$@" "$file")
    report "$label" "$3" "$4" "$1" "$(wc -c < "$file")"
    last_s=$3 last_k=$4 last_g=$1
    [ "$last_k" -gt "$peak" ] && peak=$last_k
    return 0
}
# floor LABEL FILE cmd...: a command that only reads FILE, against grep
floor() {
    label=$1 file=$2
    shift 2
    set -- $("$OUT/measure" "$RUNS" grep -c -E 'failed|exception|ERROR' "$file" \
                 -- "$@")
    report "$label" "$3" "$4" "$1" "$(wc -c < "$file")"
}

# ---- the realistic capture ------------------------------------------------
REAL="$OUT/real-$MB.log"
[ -s "$REAL" ] || "$OUT/capgen" -m "$MB" -s 1 -t "$REAL.truth" > "$REAL"
U16="$OUT/real-$MB-utf16.log"     # as Visual Studio saves its output
[ -s "$U16" ] || { printf '\377\376'; sed 's/$/\r/' "$REAL" | iconv -f UTF-8 -t UTF-16LE; } > "$U16"
PFX="$OUT/real-$MB-prefix.log"    # app(1234): on every loader line
[ -s "$PFX" ] || "$OUT/capgen" -m "$MB" -s 1 --prefix > "$PFX"
for f in "$REAL" "$U16" "$PFX"; do cat "$f" > /dev/null; done
mb=$(awk -v b="$(wc -c < "$REAL")" 'BEGIN { printf "%.0f", b / 1048576 }')
procs=$(grep -c '^P' "$REAL.truth" || true)
echo "realistic  $mb MiB capture (bench/capgen.c -s 1: $procs processes, both"
echo "           dialects, every host), best of $RUNS runs each, against grep"
row "realistic (default, JSONL)" "$REAL" "$REAL" --json
real_s=$last_s real_g=$last_g
row "realistic -j 1" "$REAL" "$REAL" --json -j 1
j1_s=$last_s j1_g=$last_g
row "realistic UTF-16LE+CRLF" "$REAL" "$U16" --json
u16_s=$last_s u16_g=$last_g
row "realistic app(pid): prefix" "$PFX" "$PFX" --json
pfx_s=$last_s pfx_g=$last_g
row "realistic --all" "$REAL" "$REAL" --json --all
all_s=$last_s all_g=$last_g
row "realistic text" "$REAL" "$REAL"
row "realistic text --all" "$REAL" "$REAL" --all
html_row "realistic --format=html" "$REAL"
floor "floor: cat FILE > /dev/null" "$REAL" sh -c 'cat "$1" > /dev/null' sh "$REAL"
floor "floor: wc -l" "$REAL" wc -l "$REAL"
awk -v a="$real_s" -v ag="$real_g" -v b="$j1_s" -v bg="$j1_g" \
    -v c="$u16_s" -v cg="$u16_g" -v d="$pfx_s" -v dg="$pfx_g" \
    -v e="$all_s" -v eg="$all_g" 'BEGIN {
    printf "goals      default %.2f (<= 1.0, then 0.5); -j 1 %.2f (<= 2.0); UTF-16 %.2f (<= 1.3);\n", a / ag, b / bg, c / cg
    printf "           prefix %.2f (<= 1.2); --all %.2f (<= 2.0)\n", d / dg, e / eg }'

# ---- the generated one-shape log ------------------------------------------
LOG="$OUT/big-$MB.log"
[ -s "$LOG" ] || "$OUT/gen" "$MB" > "$LOG"
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

mb=$(awk -v b="$(wc -c < "$LOG")" 'BEGIN { printf "%.0f", b / 1048576 }')
echo
echo "one-shape  $mb MiB generated log (bench/gen.c: Vista ENTER/RETURN lines)"
row "ldrsnap (default)" "$LOG" "$LOG" --json
row "ldrsnap, no rules" "$LOG" "$LOG" --json --no-builtin-rules
row "ldrsnap text (default)" "$LOG" "$LOG"
html_row "ldrsnap --format=html" "$LOG"
# Windows tools write CRLF line ends: the same log so, with its own grep
crlf="$OUT/big-$MB-crlf.log"
[ -s "$crlf" ] || sed 's/$/\r/' "$LOG" > "$crlf"
cat "$crlf" > /dev/null
row "ldrsnap CRLF (default)" "$crlf" "$crlf" --json
row "ldrsnap -j 1 (one thread)" "$LOG" "$LOG" --json -j 1
row "ldrsnap -j 1, no rules" "$LOG" "$LOG" --json -j 1 --no-builtin-rules
for n in 1 50 500; do
    f=$(rules_file $n)
    row "ldrsnap, $n user rules" "$LOG" "$LOG" --json --no-builtin-rules --rules "$f"
done

# ---- batches: .gz, many files, -j 2, a zip (bench/batch.sh) ---------------
echo
sh bench/batch.sh "$LDRSNAP" "$REAL"

# ---- memory at 2 GB: the capture streamed, never on disk -------------------
if [ "$BIG_MB" -gt 0 ]; then
    echo
    echo "memory     peak RSS on a $BIG_MB MiB capture read from a pipe (one run each)"
    # every format: JSON Lines, the text report (a process at a time),
    # --brief, the HTML page and the load tree
    for args in "--json" "--json -j 1" "--json --all" "" "--all" "--brief" \
        "--format=html" "tree"; do
        set -- $("$OUT/measure" 1 sh -c "\"$OUT/capgen\" -m $BIG_MB -s 2 | \"$LDRSNAP\" $args -; [ \$? -le 1 ]")
        # the RSS is the largest of the pipeline's processes: capgen's is
        # a few hundred KiB
        awk -v l="${args:-text}" -v s="$1" -v k="$2" 'BEGIN {
            printf "  %-26s %7.1f s  peak RSS %5.1f MiB\n", l, s, k / 1024 }'
        [ "$2" -gt "$peak" ] && peak=$2
    done
fi
awk -v k="$peak" 'BEGIN {
    printf "target     peak RSS <= 32 MiB in every row: %.1f MiB\n", k / 1024 }'
