#!/bin/sh
# jobs_wakes.sh: with -j 2 on a lone archive, the printing thread sleeps
# until 64 units are done (or the last logs are started), as it does on
# a folder (issue 12): a lone archive is one task, taken at once, and
# "no task left to start" made it wake for every member (139 waits for
# 256 members; 1,000 to 4,000 context switches on the bench's zip of
# 1,920 logs, 400 to 700 for the folder).  Told by the main thread's
# calls to pthread_cond_wait() under valgrind (no clock).
set -u
LDRSNAP=${LDRSNAP:?}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
mkdir "$T/logs"
for i in $(seq 100 355); do
    head -c 3000 samples/win7-return-chain.log > "$T/logs/$i.log"
done
(cd "$T/logs" && zip -q -X -r ../logs.zip .)
valgrind --tool=callgrind --separate-threads=yes --fair-sched=yes \
    --callgrind-out-file="$T/cg.%p" "$LDRSNAP" --json -j 2 "$T/logs.zip" \
    > "$T/out" 2> "$T/err"
echo "summaries: $(grep -c '"type":"summary"' "$T/out")"
# the main thread (the printing thread) is the first file
main=$(ls "$T"/cg.*-01)
waits=$(callgrind_annotate --tree=calling "$main" 2>/dev/null |
    sed -n 's/.*>  *[^ ]*pthread_cond_wait@@[^(]*(\([0-9,]*\)x).*/\1/p' |
    tr -d , | awk '{ n += $1 } END { print n + 0 }')
if [ "$waits" -le 32 ]; then
    echo "the printing thread waited for units in runs"
else
    echo "the printing thread waited $waits times for 256 members"
fi
