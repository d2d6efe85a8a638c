#!/bin/sh
# limits.sh: inputs that never end or expand without bound are cut at a
# limit, with an error naming the input and the limit, in bounded time,
# and the input after them is still analyzed (issue 16, item 8): a
# device of zeros, one of random bytes, a file that keeps growing, and a
# gzip of 8 GiB of zeros in 8 MB (the default limits; no option).
set -u
LDRSNAP=${LDRSNAP:?}
T=$(mktemp -d)
trap 'kill "$grower" 2>/dev/null; rm -rf "$T"' EXIT
grower=
ok=samples/win10-missing-vcruntime.log
run() { # label, args...: exit status, errors, and whether $ok was analyzed
    label=$1
    shift
    timeout 60 "$LDRSNAP" --json -j 1 "$@" "$ok" > "$T/out" 2> "$T/err"
    echo "$label: exit $?"
    sed -n 's/.*"type":"error".*"message":"\([^"]*\)".*/  error: \1/p' "$T/out"
    grep -q "\"type\":\"summary\",\"source\":\"$ok\"" "$T/out" &&
        echo "  the next input was analyzed"
}
run "/dev/zero, --max-bytes=64M" --max-bytes=64M /dev/zero
run "/dev/urandom, --max-bytes=16M" --max-bytes=16M /dev/urandom
# a file that keeps growing faster than it is read
: > "$T/growing.log"
yes "0b5c:0a18 @ 00452312 - LdrpResolveDllName - RETURN: Status: 0xc0000135" \
    >> "$T/growing.log" &
grower=$!
sleep 0.2
run "a growing file, --max-bytes=64M" --max-bytes=64M "$T/growing.log" |
    sed "s|$T|\$T|g"
kill "$grower"
grower=
# 8 GiB of zeros in about 8 MB: 8192 gzip members of 1 MiB of zeros
head -c 1048576 /dev/zero | gzip -9 > "$T/one.gz"
i=0
while [ $i -lt 13 ]; do cat "$T/one.gz" "$T/one.gz" > "$T/two.gz";
    mv "$T/two.gz" "$T/one.gz"; i=$((i + 1)); done
echo "bomb: $(wc -c < "$T/one.gz" | awk '{printf "%.1f MB", $1 / 1e6}') of gzip"
run "8 GiB of zeros in 8 MB (defaults)" "$T/one.gz" | sed "s|$T|\$T|g"
