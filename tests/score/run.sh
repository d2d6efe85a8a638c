#!/bin/sh
# make score: generated captures (bench/capgen.c) with their truth, every
# host and variant, scored by tests/score/score.c: precision and recall of
# the root causes.  SCORE_MIN is the floor below which it fails.
set -eu
CAPGEN=$1 SCORE=$2 OUT=$3
MIN=${SCORE_MIN:-0}
mkdir -p "$OUT"
rm -f "$OUT"/*.log "$OUT"/*.tsv
set --
seed=1
gen() { # name capgen-args...
    name=$1
    shift
    "$CAPGEN" -s $seed -t "$OUT/$name.tsv" "$@" > "$OUT/$name.log"
    set -- "$OUT/$name.tsv" "$OUT/$name.log"
    echo "$1 $2" >> "$OUT/pairs"
    seed=$((seed + 1))
}
: > "$OUT/pairs"
gen plain -n 300 --host=plain
gen prefix -n 200 --host=plain --prefix
gen cdb -n 300 --host=cdb --crlf
gen vs -n 250 --host=vs --utf16
gen vs-de -n 200 --host=vs-de
gen vs-zh -n 200 --host=vs-zh --crlf
gen dbgview -n 250 --host=dbgview
gen mix -n 400
gen mix-utf16 -n 200 --utf16
i=0
while [ $i -lt 150 ]; do
    gen "pasted-$i" -n 1 --pasted
    i=$((i + 1))
done
# shellcheck disable=SC2046
"$SCORE" --min="$MIN" ${SCORE_VERBOSE:+-v} $(cat "$OUT/pairs")
