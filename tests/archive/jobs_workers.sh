#!/bin/sh
# jobs_workers.sh: with -j 2, a lone archive's members go to both
# workers (issue 12): the second worker used to find no open archive
# while the first was still opening it, and left, so a zip given alone
# was analyzed on one core.  Told by instructions per thread (callgrind,
# no clock; valgrind runs one thread at a time, taking turns with
# --fair-sched): each worker runs a fair share of the analysis.
set -u
LDRSNAP=${LDRSNAP:?}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
mkdir "$T/logs"
w=samples/win7-return-chain.log
for k in $(seq 1 100); do cat $w; done > "$T/one"
for i in 1 2 3 4 5 6 7 8; do cp "$T/one" "$T/logs/$i.log"; done
(cd "$T/logs" && zip -q -X -r ../logs.zip .)
valgrind --tool=callgrind --separate-threads=yes --fair-sched=yes \
    --callgrind-out-file="$T/cg.%p" "$LDRSNAP" --json -j 2 "$T/logs.zip" \
    > "$T/out" 2> "$T/err"
echo "summaries: $(grep -c '"type":"summary"' "$T/out")"
# the threads' instructions, largest first: the two workers
for f in "$T"/cg.*-*; do sed -n 's/^summary: //p' "$f"; done |
    sort -rn > "$T/ir"
a=$(sed -n 1p "$T/ir"); b=$(sed -n 2p "$T/ir")
if [ "$b" -gt $((a / 4)) ]; then
    echo "both workers analyzed members"
else
    echo "one worker did the work: $a and $b instructions"
fi
