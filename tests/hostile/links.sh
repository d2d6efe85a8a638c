#!/bin/sh
# links.sh: a tree of 16 levels whose folders hold two links each to the
# next level reaches 65,536 paths to one log when links are followed; a
# directory walk does not follow links unless asked (issue 16, item 11).
# The links are listed as skipped (--all); --follow follows them (shown
# on a tree of 4 levels: 16 paths).
set -u
LDRSNAP=${LDRSNAP:?}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
tree() { # root levels
    i=0
    while [ "$i" -lt "$2" ]; do
        mkdir -p "$1/d$i"
        ln -s "../d$((i + 1))" "$1/d$i/a"
        ln -s "../d$((i + 1))" "$1/d$i/b"
        i=$((i + 1))
    done
    mkdir -p "$1/d$2"
    cp samples/win10-missing-vcruntime.log "$1/d$2/LDR.log"
}
tree "$T/deep" 16
timeout 20 "$LDRSNAP" --json "$T/deep/d0" > "$T/out"
echo "16 levels: exit $?, $(grep -c '"type":"summary"' "$T/out") logs," \
     "$(grep -c '"type":"skipped"' "$T/out") links skipped"
timeout 20 "$LDRSNAP" --all "$T/deep/d0" | sed "s|$T|\$T|g"
tree "$T/small" 4
timeout 20 "$LDRSNAP" --json --follow "$T/small/d0" > "$T/out"
echo "4 levels, --follow: exit $?, $(grep -c '"type":"summary"' "$T/out") logs"
