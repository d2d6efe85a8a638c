#!/bin/sh
# html_memory.sh: the page and the tree keep what the live processes need,
# not every process of the log (issue 13).  60,000 processes, one in ten
# failing at start-up: peak RSS of --format=html and of ldrsnap tree
# stays under 32 MiB (both grew with the processes before: the tree kept
# every one), in bounded time, and the page and the tree say what they
# leave out.  The page of the log read from a pipe has the same excerpts
# (captured while it streams), every evidence link opening its line.
set -u
LDRSNAP=${LDRSNAP:?}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
awk 'BEGIN {
    for (i = 0; i < 60000; i++) {
        p = sprintf("%04x", 16 + i % 60000); t = sprintf("%04x", 4 + i % 7)
        printf "%s:%s @ %08d - LdrpInitializeProcess - INFO: Beginning execution of app%d.exe (C:\\app\\app%d.exe)\n", p, t, i, i % 13, i % 13
        printf "%s:%s @ %08d - LdrLoadDll - ENTER: DLL name: core%d.dll\n", p, t, i, i % 17
        printf "%s:%s @ %08d - LdrpFindKnownDll - ENTER: DLL name: helper%d.dll\n", p, t, i, i % 29
        printf "%s:%s @ %08d - LdrpFindKnownDll - RETURN: Status: 0x00000000\n", p, t, i
        printf "%s:%s @ %08d - LdrLoadDll - RETURN: Status: 0x00000000\n", p, t, i
        if (i % 10 == 3) {
            printf "%s:%s @ %08d - LdrpProcessWork - ERROR: Unable to load DLL: \"plugin%d.dll\", Parent Module: \"C:\\app\\core%d.dll\", Status: 0xc0000135\n", p, t, i, i, i % 17
            printf "%s:%s @ %08d - LdrpInitializeProcess - ERROR: Walking the import tables of the executable and its static imports failed with status 0xc0000135\n", p, t, i
        }
    }
}' > "$T/many.log"
run() { # NAME ARGS...: peak RSS in KiB into $T/NAME.rss
    name=$1; shift
    timeout 120 /usr/bin/time -f %M -o "$T/$name.rss" "$LDRSNAP" "$@" \
        "$T/many.log" > "$T/$name.out" 2> "$T/$name.err"
    echo "$name: exit $?"
}
run html analyze --format=html
run tree tree
timeout 120 /usr/bin/time -f %M -o "$T/stdin.rss" "$LDRSNAP" --format=html \
    < "$T/many.log" > "$T/stdin.out" 2> "$T/stdin.err"
echo "stdin: exit $?"
links() { # PAGE: its evidence links, and the lines its excerpts hold
    grep -o 'class="ev" href="#l[0-9]*-[0-9]*"' "$1" | sed 's/.*#//; s/"//' |
        sort -u > "$T/links"
    grep -o '<span id="l[0-9]*-[0-9]*"' "$1" | sed 's/.*id="//; s/"//' |
        sort -u > "$T/ids"
    echo "$(wc -l < "$T/links") evidence links," \
        "$(comm -23 "$T/links" "$T/ids" | wc -l) without their excerpt line"
}
echo "html: $(links "$T/html.out")"
echo "stdin: $(links "$T/stdin.out")"
grep -o '<pre class="excerpt">.*</pre>' "$T/html.out" > "$T/html.x"
grep -o '<pre class="excerpt">.*</pre>' "$T/stdin.out" > "$T/stdin.x"
[ -s "$T/html.x" ] && cmp -s "$T/html.x" "$T/stdin.x" &&
    echo "stdin: the same excerpts as the file's"
# a sanitizer's shadow memory and quarantine are not the program's: under
# ASan the bound is not checked (the plain build's run checks it)
sanitized=${SANITIZED:-0}
[ "$sanitized" = 1 ] || ! nm "$LDRSNAP" 2>/dev/null | grep -q __asan_init ||
    sanitized=1
# the goal is 32 MiB at any size; the page and the tree keep only the
# processes they show (tree_end(), report_end_process()): 24 and 20 MiB
# here (26 and 24 MiB when they kept the 256 most recently active)
for k in html:24 tree:20 stdin:24; do
    mib=${k#*:} k=${k%:*}
    kb=$(tail -1 "$T/$k.rss")
    [ "$kb" -lt $((mib * 1024)) ] || [ $sanitized = 1 ] &&
        echo "$k: peak RSS < $mib MiB" || echo "$k: peak RSS $kb KiB"
done
size=$(wc -c < "$T/html.out")
[ "$size" -lt 2000000 ] && echo "html: page < 2 MB" || echo "html: page $size bytes"
grep -o '5480 more failing processes not shown' "$T/html.out"
tail -n 1 "$T/tree.out" | sed 's/[0-9][0-9]* more/N more/'
grep -c ': process ' "$T/tree.out" | awk '{ print ($1 <= 64 + 256 ? "tree: at most 320 processes shown" : "tree: " $1 " processes shown") }'
