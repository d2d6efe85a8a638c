#!/bin/sh
# html_cards.sh: the page's cards are the failing processes whose events
# it kept, the first 20 to end, whatever the order of their verdicts'
# lines (issue 13): alpha.exe fails at line 2 and ends last, after 20
# other failing processes began, failed and ended; its verdict is the
# summary's first, but the page kept the others' evidence, so alpha.exe
# goes to the table of the other failing processes and every evidence
# link of the cards opens its line.
set -u
LDRSNAP=${LDRSNAP:?}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
awk 'function line(pid, text) {
    printf "%04x:0001 @ %08d - %s\n", pid, ++tick, text
}
function begin(pid, name) {
    line(pid, "LdrpInitializeProcess - INFO: Beginning execution of " name ".exe (C:\\app\\" name ".exe)")
}
function fail(pid, dll, parent) {
    line(pid, "LdrpProcessWork - ERROR: Unable to load DLL: \"" dll "\", Parent Module: \"C:\\app\\" parent "\", Status: 0xc0000135")
}
function exit_(pid, name) {
    printf "The program '\''[%d] %s.exe'\'' has exited with code -1073741515 (0xc0000135).\n", pid, name
}
BEGIN {
    begin(256, "alpha"); fail(256, "alpha.dll", "alpha.exe")
    for (i = 0; i < 20; i++) {
        p = 4096 + i
        begin(p, "p" i); fail(p, "p" i "x.dll", "p" i ".exe")
        for (k = 0; k < 2000; k++)
            line(p, "LdrpSnapModule - WARNING: Unable to resolve a forwarder of module number " k)
        exit_(p, "p" i)
    }
    exit_(256, "alpha")
}' > "$T/cards.log"
"$LDRSNAP" --format=html "$T/cards.log" > "$T/page.html"
echo "exit $?"
echo "cards: $(grep -c '<article class="card verdict' "$T/page.html")"
echo "alpha.dll on a card: $(grep -c 'class="card verdict[^>]*data-dll="alpha.dll"' "$T/page.html")"
echo "alpha.dll rows in the table of the others:" \
    "$(sed -n '/<table class="more">/,/<\/table>/p' "$T/page.html" |
        grep -c 'alpha.dll')"
grep -o 'class="ev" href="#l[0-9]*-[0-9]*"' "$T/page.html" |
    sed 's/.*#//; s/"//' | sort -u > "$T/links"
grep -o '<span id="l[0-9]*-[0-9]*"' "$T/page.html" |
    sed 's/.*id="//; s/"//' | sort -u > "$T/ids"
echo "$(wc -l < "$T/links") evidence lines linked," \
    "$(comm -23 "$T/links" "$T/ids" | wc -l) without their excerpt line"
