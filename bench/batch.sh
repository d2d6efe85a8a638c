#!/bin/sh
# bench/batch.sh LDRSNAP CAPTURE: the batch rows of make bench, each a
# ratio against a baseline measured in the same run, taking turns (best
# of RUNS runs, files in the page cache):
#   - the capture as .gz against `gzip -dc` of it (goal <= 0.5);
#   - the capture split into about 2,000 files, whole processes each (the
#     truth file's line ranges), against the single file (goal <= 1.5);
#   - that folder with -j 2 against -j 1 (goal <= 0.56), and two -j 1
#     runs at once on its halves against one -j 1 (what two cores give
#     the machine: no goal);
#   - a zip of that folder against the folder (goal <= 1.2);
# and the peak RSS of each.
set -eu
LDRSNAP=$1
REAL=$2
RUNS=${RUNS:-5}
OUT=bench/out
FILES=${BENCH_FILES:-2000}
GZ="$REAL.gz"
[ -s "$GZ" ] || gzip -6 -c "$REAL" > "$GZ"
DIR="$REAL.split"
if [ ! -d "$DIR" ]; then
    mkdir -p "$DIR.tmp"
    # cut at the first line of every k-th process, so that each file holds
    # whole processes
    awk -v files="$FILES" -v dir="$DIR.tmp" '
        FNR == NR { if ($1 == "P") first[n++] = $10; next }
        FNR == 1 {
            k = int((n + files - 1) / files); if (k < 1) k = 1
            f = 0; p = 0; out = sprintf("%s/%05d.log", dir, f)
        }
        p < n && FNR == first[p] {
            if (p % k == 0 && p) { close(out); f++; out = sprintf("%s/%05d.log", dir, f) }
            p++
        }
        { print > out }
' "$REAL.truth" "$REAL"
    mv "$DIR.tmp" "$DIR"
fi
ZIP="$REAL.split.zip"
[ -s "$ZIP" ] || (cd "$DIR" && zip -q -r -X "$OLDPWD/$ZIP" .)
cat "$REAL" "$GZ" "$ZIP" > /dev/null
cat "$DIR"/* > /dev/null
nfiles=$(ls "$DIR" | wc -l)
bytes=$(wc -c < "$REAL")
echo "batch      the capture as .gz, as $nfiles files (whole processes each),"
echo "           as a zip of them; best of $RUNS runs each, against a baseline"
pair() { # label goal base-label -- base-cmd... -- cmd...: "label: ratio"
    label=$1 goal=$2 blabel=$3
    shift 3
    # shellcheck disable=SC2046
    set -- $("$OUT/measure" "$RUNS" "$@")
    awk -v l="$label" -v g="$goal" -v bl="$blabel" -v bs="$1" -v s="$3" \
        -v k="$4" -v bk="$2" -v b="$bytes" 'BEGIN {
        printf "%-30s %6.3f s %6.0f MiB/s  peak RSS %5.1f MiB  ratio %5.2f  (%s %5.3f s, %5.1f MiB; %s)\n",
               l, s, b / 1048576 / s, k / 1024, s / bs, bl, bs, bk / 1024,
               g == "-" ? "no goal" : "goal <= " g }'
}
pair "capture .gz (default)" 0.5 "gzip -dc" \
    gzip -dc "$GZ" -- "$LDRSNAP" --json "$GZ"
pair "$nfiles files (default -j)" 1.5 "one file" \
    "$LDRSNAP" --json "$REAL" -- "$LDRSNAP" --json "$DIR"
pair "$nfiles files -j 2" 0.56 "-j 1" \
    "$LDRSNAP" --json -j 1 "$DIR" -- "$LDRSNAP" --json -j 2 "$DIR"
# What two cores give this machine, to read the row above by: two -j 1
# runs at once, each on half of the files (every other one), against one
# -j 1 on all of them (no goal: on a shared virtual machine two busy cores
# may each run slower than one; the -j 2 row cannot beat this one much)
ls "$DIR" | awk -v d="$DIR" 'NR % 2 == 1 { print d "/" $0 }' > "$OUT/half1"
ls "$DIR" | awk -v d="$DIR" 'NR % 2 == 0 { print d "/" $0 }' > "$OUT/half2"
cat "$OUT/half1" "$OUT/half2" > "$OUT/halves"
pair "two halves at once (-j 1 each)" "-" "-j 1" \
    "$LDRSNAP" --json -j 1 --files-from="$OUT/halves" -- \
    sh -c '"$1" --json -j 1 --files-from="$2" & "$1" --json -j 1 --files-from="$3"; wait' \
    sh "$LDRSNAP" "$OUT/half1" "$OUT/half2"
pair "zip of the $nfiles files" 1.2 "folder" \
    "$LDRSNAP" --json "$DIR" -- "$LDRSNAP" --json "$ZIP"
# Peak RSS on archives of BENCH_ARCHIVE_GB (default "1 4") GiB streamed
# from a pipe (a tar.zst of copies of the capture, never on disk): memory
# is bounded by -j and the limits, not by the archive's size.
for gb in ${BENCH_ARCHIVE_GB-1 4}; do
    n=$(( (gb * 1073741824 + bytes - 1) / bytes ))
    set -- $("$OUT/measure" 1 sh -c "python3 -c '
import sys, tarfile
t = tarfile.open(fileobj=sys.stdout.buffer, mode=\"w|\")
for i in range($n):
    t.add(sys.argv[1], arcname=\"case%03d/LDR.log\" % i)
t.close()' \"$REAL\" | zstd -q -1 | \"$LDRSNAP\" --json - > /dev/null; [ \$? -le 1 ]")
    awk -v l="tar.zst of $gb GiB ($n logs)" -v s="$1" -v k="$2" 'BEGIN {
        printf "%-30s %6.1f s  peak RSS %5.1f MiB (from a pipe)\n", l, s, k / 1024 }'
done
