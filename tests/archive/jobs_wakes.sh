#!/bin/sh
# jobs_wakes.sh: with -j 2 the two workers write the output themselves,
# in order, and nothing else runs beside them (issue 12): a printing
# thread beside the workers took a core's share from them on two cores
# (copying and freeing their units' output, in their malloc arenas,
# whose locks they then waited for) and woke for every run of units.
# Told under valgrind (no clock), and strace for the writes: the threads that ran (the main thread
# and one more worker; valgrind gives the thread that loaded the rules,
# gone by then, the same number as the second worker), the workers'
# share of the instructions, and the calls to pthread_cond_wait() of all
# threads.  And the walk of the folder calls no lstat(): the directory
# tells what its entries are (an lstat() of each of 1,920 logs was a few
# milliseconds before the first log was read).
set -u
LDRSNAP=${LDRSNAP:?}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
mkdir "$T/logs"
for i in $(seq 100 355); do
    head -c 3000 samples/win7-return-chain.log > "$T/logs/$i.log"
done
(cd "$T/logs" && zip -q -X -r ../logs.zip .)
for c in logs.zip logs; do
    rm -f "$T"/cg.*
    valgrind --tool=callgrind --separate-threads=yes --fair-sched=yes \
        --callgrind-out-file="$T/cg.%p" "$LDRSNAP" --json -j 2 "$T/$c" \
        > "$T/out" 2> "$T/err"
    echo "$c: summaries: $(grep -c '"type":"summary"' "$T/out")"
    threads=$(ls "$T"/cg.*-* | wc -l)
    # instructions per thread, largest first: the two workers
    for f in "$T"/cg.*-*; do sed -n 's/^summary: //p' "$f"; done |
        sort -rn > "$T/ir"
    a=$(sed -n 1p "$T/ir"); b=$(sed -n 2p "$T/ir")
    waits=0
    for f in "$T"/cg.*-*; do
        n=$(callgrind_annotate --tree=calling "$f" 2>/dev/null |
            sed -n 's/.*>  *[^ ]*pthread_cond_wait@@[^(]*(\([0-9,]*\)x).*/\1/p' |
            tr -d , | awk '{ n += $1 } END { print n + 0 }')
        waits=$((waits + n))
    done
    # both workers' share on the folder; on the zip the share is
    # valgrind's (it runs one thread at a time, and which worker finds
    # the archive free is its scheduling: 55.6M against 6.1M on a calm
    # machine, even under load): jobs_workers.sh checks both take members
    share=$([ "$c" = logs.zip ] || [ "$b" -gt $((a / 4)) ] && echo y)
    if [ "$threads" -le 2 ] && [ -n "$share" ] && [ "$waits" -le 64 ]; then
        echo "$c: two workers, no printing thread, waits in runs"
    else
        echo "$c: $threads threads, workers $a and $b instructions, $waits waits"
    fi
done
# the folder's walk
lstats=$(callgrind_annotate --tree=calling "$T"/cg.*-01 2>/dev/null |
    sed -n 's/.*>  *[^ ]*:lstat (\([0-9,]*\)x).*/\1/p' |
    tr -d , | awk '{ n += $1 } END { print n + 0 }')
if [ "$lstats" -le 16 ]; then
    echo "logs: the walk read the entries' types from the directory"
else
    echo "logs: the walk called lstat() $lstats times for 256 logs"
fi
# one log whose output is megabytes (-j 2, one input: a tokenizer
# thread and the analyzing thread): its output past 1 MiB is written by
# a thread of its own, not by the analyzing thread,
# which goes on with a spare buffer (the write(2) of the 53 MB of JSON
# Lines of the bench's 200 MB capture was 45 ms of the analyzing thread)
v=samples/win10-missing-vcruntime.log
for k in $(seq 1 600); do cat $v; done > "$T/big.log"
# told by strace on a real run (under callgrind, on a calm machine, the
# output was written once, by the analyzing thread, whatever the build:
# valgrind's scheduling): the writev(2) calls of the process's first
# thread (the analyzing one, which runs analyze_log() with -j 2 on one
# input) and of the others
strace -f -qq -e trace=execve,writev -o "$T/st" "$LDRSNAP" --json -j 2 \
    "$T/big.log" > "$T/out" 2> "$T/err"
lead=$(sed -n 's/^\([0-9]*\) *execve(.*/\1/p' "$T/st" | head -n 1)
main=0 other=0
while read -r tid rest; do
    case "$rest" in writev\(1,*) ;; *) continue ;; esac
    if [ "$tid" = "$lead" ]; then main=$((main + 1)); else other=$((other + 1)); fi
done < "$T/st"
if [ "$main" -le 1 ] && [ "$other" -ge 1 ]; then
    echo "big.log: its output written beside the analyzing thread"
else
    echo "big.log: the analyzing thread wrote $main times, the others $other"
fi
