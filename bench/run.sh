#!/bin/sh
# make bench: speed and memory of ldrsnap on a generated 200 MB log, as a
# ratio against `grep -c -E 'failed|exception|ERROR'` measured in the same
# run on the same file (best of RUNS, file in the page cache).
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
set -- $("$OUT/measure" "$RUNS" grep -c -E 'failed|exception|ERROR' "$LOG")
g_s=$1 g_kb=$2
set -- $("$OUT/measure" "$RUNS" "$LDRSNAP" --json -j 1 "$LOG")
l_s=$1 l_kb=$2
set -- $("$OUT/measure" "$RUNS" "$LDRSNAP" -j 1 "$LOG")
t_s=$1 t_kb=$2
awk -v b="$bytes" -v gs="$g_s" -v gk="$g_kb" -v ls="$l_s" -v lk="$l_kb" \
    -v ts="$t_s" -v tk="$t_kb" -v runs="$RUNS" 'BEGIN {
    mb = b / 1048576
    printf "input      %.0f MiB generated log (bench/gen.c), best of %d runs\n", mb, runs
    printf "grep -c    %6.3f s  %7.0f MiB/s  peak RSS %5.1f MiB\n", gs, mb / gs, gk / 1024
    printf "ldrsnap    %6.3f s  %7.0f MiB/s  peak RSS %5.1f MiB  (--json)\n", ls, mb / ls, lk / 1024
    printf "ldrsnap    %6.3f s  %7.0f MiB/s  peak RSS %5.1f MiB  (text)\n", ts, mb / ts, tk / 1024
    printf "ratio      %6.2f  (ldrsnap --json time / grep time; target <= 1.0)\n", ls / gs
    printf "memory     %6.1f MiB peak (target <= 32 MiB)\n", (lk > tk ? lk : tk) / 1024
}'
