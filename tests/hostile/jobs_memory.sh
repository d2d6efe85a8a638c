#!/bin/sh
# jobs_memory.sh: with -j 2, a task's output waits in memory only until it
# passes 1 MiB; then it waits for its turn and is written through.  Two
# logs of 200,000 probe misses each give about 2 x 90 MB of JSON Lines
# with --all; peak RSS must stay far below one input's output (it held
# both whole before: issue 16, item 10), and the output must be the -j 1
# output, byte for byte.
set -u
LDRSNAP=${LDRSNAP:?}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
awk 'BEGIN {
    print "0b5c:0a18 @ 00452300 - LdrpInitializeProcess - INFO: Beginning execution of app.exe (C:\\app\\app.exe)"
    for (i = 0; i < 200000; i++) {
        printf "0b5c:0a18 @ %08d - LdrpResolveDllName - ENTER: DLL name: C:\\\\Windows\\\\lib%d.dll\n", i, i
        printf "0b5c:0a18 @ %08d - LdrpResolveDllName - RETURN: Status: 0xc0000135\n", i
    }
}' > "$T/a.log"
cp "$T/a.log" "$T/b.log"
/usr/bin/time -f %M -o "$T/rss1" "$LDRSNAP" --json --all -j 1 "$T/a.log" "$T/b.log" > "$T/out1"
/usr/bin/time -f %M -o "$T/rss2" "$LDRSNAP" --json --all -j 2 "$T/a.log" "$T/b.log" > "$T/out2"
echo "output: $(wc -c < "$T/out2" | awk '{printf "%d MB", $1 / 1e6}')"
cmp -s "$T/out1" "$T/out2" && echo "-j 2 gives the -j 1 output"
kb=$(tail -1 "$T/rss2")
[ "$kb" -lt 65536 ] && echo "-j 2 peak RSS < 64 MiB" || echo "-j 2 peak RSS $kb KiB"
