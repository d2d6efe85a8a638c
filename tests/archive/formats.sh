#!/bin/sh
# formats.sh: every container and compressor ldrsnap reads, made here from
# samples/*.log, each member's records compared with those of the plain
# file (its "source" renamed ARCHIVE!member).  Prints one line per format;
# a difference is printed and the script exits 1.
set -u
LDRSNAP=${LDRSNAP:?set LDRSNAP to the ldrsnap binary}
SRC=$(pwd)
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
mkdir "$T/logs" "$T/logs/sub"
cp samples/*.log "$T/logs/"
mv "$T/logs/win7-return-chain.log" "$T/logs/sub/"
# a UTF-8 member name
mv "$T/logs/xp-sxs-manifest.log" "$T/logs/sub/übersicht-xp.log"
cd "$T/logs"
find . -type f | sed 's|^\./||' | LC_ALL=C sort > "$T/list"
# the plain file's records, as they would come from ARCHIVE!member
expect() { # archive-name
    cd "$T/logs" && while read -r m; do
        # a member with no loader-snaps lines is skipped, not reported
        if "$LDRSNAP" --json -j 1 "$m" | grep -q '"loader_lines":0,'; then
            printf '{"type":"skipped","source":"%s!%s","reason":"no loader-snaps lines"}\n' "$1" "$m"
            continue
        fi
        "$LDRSNAP" --json -j 1 "$m" |
            awk -v from="\"source\":\"$m\"" -v to="\"source\":\"$1!$m\"" \
                '{ i = index($0, from); if (i) $0 = substr($0, 1, i - 1) to substr($0, i + length(from)); print }'
    done < "$T/list"
    cd "$T"
}
fail=0
check() { # label archive
    a=$2
    expect "$a" > "$T/want"
    # the records of its members, without the rollup of the run
    (cd "$T" && "$LDRSNAP" --json -j 2 "$a") 2> "$T/err" |
        grep -v '^{"type":"rollup"' > "$T/got"
    if cmp -s "$T/want" "$T/got"; then
        echo "ok $1: every member as its plain file"
    else
        echo "FAIL $1"
        diff "$T/want" "$T/got" | head -5
        head -3 "$T/err"
        fail=1
    fi
}
# Members in the listed order (archive order = sorted order).
zip -q -X "$T/deflate.zip" -@ < "$T/list"
zip -q -X -0 "$T/store.zip" -@ < "$T/list"
zip -q -X -fz "$T/zip64.zip" -@ < "$T/list"
tar -cf "$T/plain.tar" -T "$T/list"
tar --format=pax -cf "$T/pax.tar" -T "$T/list"
gzip -c "$T/plain.tar" > "$T/t.tar.gz"
bzip2 -c "$T/plain.tar" > "$T/t.tar.bz2"
xz -c "$T/plain.tar" > "$T/t.tar.xz"
zstd -q -c "$T/plain.tar" > "$T/t.tar.zst"
7z a -bd -bso0 -bsp0 "$T/all.7z" $(cat "$T/list") > /dev/null
gcab -c "$T/all.cab" $(cat "$T/list")
cd "$T"
# named for what they are not: the format comes from the bytes
mv deflate.zip deflate.log
mv t.tar.xz xz-tar.bin
for a in deflate.log store.zip zip64.zip plain.tar pax.tar t.tar.gz t.tar.bz2 \
         xz-tar.bin t.tar.zst all.7z all.cab; do
    check "$a" "$a"
done
# nested: a zip holding a tar.gz and a zip
cp t.tar.gz inner.tar.gz
cp store.zip inner.zip
zip -q -X outer.zip inner.tar.gz inner.zip
{ expect "outer.zip!inner.tar.gz"; expect "outer.zip!inner.zip"; } > want
"$LDRSNAP" --json outer.zip 2> err | grep -v '^{"type":"rollup"' > got
if cmp -s want got; then echo "ok nested zip!tar.gz, zip!zip"
else echo "FAIL nested"; diff want got | head -5; fail=1; fi
# single compressed logs: the name stays the file's
for c in "gzip -c" "bzip2 -c" "xz -c" "zstd -q -c" "lz4 -q -c"; do
    $c "$SRC/samples/win10-missing-vcruntime.log" > one.z
    "$LDRSNAP" --json -j 1 "$SRC/samples/win10-missing-vcruntime.log" |
        sed "s|\"source\":\"[^\"]*\"|\"source\":\"one.z\"|" > want
    "$LDRSNAP" --json one.z > got 2> err
    if cmp -s want got; then echo "ok ${c%% *}: one log"
    else echo "FAIL ${c%% *}"; diff want got | head -5; fail=1; fi
done
exit $fail
