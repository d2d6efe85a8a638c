#!/bin/sh
# html_evidence.sh: every link of the page of far_evidence.sh's log opens
# its line (evidence lines held with their live process until it ends,
# issue 13), from a file and from a pipe; the quiet.exe signature is
# linked; echo.exe's card lists no exception of the next process of its
# pid.
set -u
LDRSNAP=${LDRSNAP:?}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
sh tests/hostile/far_evidence.sh > "$T/far.log"
"$LDRSNAP" --format=html "$T/far.log" > "$T/file.html"
echo "file: exit $?"
"$LDRSNAP" --format=html < "$T/far.log" > "$T/stdin.html"
echo "stdin: exit $?"
for p in file stdin; do
    grep -o 'href="#l[0-9]*-[0-9]*"' "$T/$p.html" | sed 's/.*#//; s/"//' |
        sort -u > "$T/links"
    grep -o 'class="ev" href="#l[0-9]*-[0-9]*"' "$T/$p.html" | sort -u |
        wc -l > "$T/ev"
    grep -o '<span id="l[0-9]*-[0-9]*"' "$T/$p.html" |
        sed 's/.*id="//; s/"//' | sort -u > "$T/ids"
    echo "$p: $(cat "$T/ev") evidence lines linked, $(wc -l < "$T/links")" \
        "lines linked in all, $(comm -23 "$T/links" "$T/ids" | wc -l)" \
        "without their excerpt line"
done
grep -c 'not in the excerpts' "$T/file.html"
grep -o 'Downloads\\quiet.dll</strong> <span class="mute">rule [a-z-]*, line <a class="ev" href="#l1-[0-9]*">' "$T/file.html" | sed 's/href=.*//'
echo "exception rows: $(grep -c '<tr class="exception">' "$T/file.html")"
