#!/bin/sh
# jobs.sh: with -j N the members of one archive go to every worker (each
# member read and decompressed once, by the worker that analyzes it); the
# output must be the -j 1 output byte for byte, members in archive order,
# whatever N is: a zip and a tar.gz of many logs (some with no
# loader-snaps lines, one empty, one of 5 MB that is analyzed as it is
# read), a zip nested in a zip, a folder of archives and logs, a zip cut
# short, a tar.gz cut inside its large member, a folder of logs whose
# output is many megabytes; JSON Lines, text (--all) and the page; and a
# plain file of 5 MB on two threads (the default) against one (-j 1), in
# every format and the tree.  Prints one line per case;
# a difference is printed and the script exits 1.
set -u
LDRSNAP=${LDRSNAP:?set LDRSNAP to the ldrsnap binary}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
mkdir "$T/logs" "$T/mix"
i=0
for r in 1 2 3; do
    for f in samples/*.log tests/data/app-own-log.txt; do
        i=$((i + 1))
        cp "$f" "$T/logs/$(printf %03d $i)-$(basename "$f")"
    done
done
: > "$T/logs/000-empty.log"
# one member past what a worker reads ahead (4 MiB), analyzed as it is
# read (on two threads with -j 2): every sample and the app's own log,
# over and over (JSON Lines, text and the page as with one thread)
for k in $(seq 1 40); do cat samples/*.log tests/data/app-own-log.txt; done > "$T/big"
for k in 1 2 3; do cat "$T/big"; done > "$T/logs/500-big.log"
(cd "$T/logs" && zip -q -X -r ../logs.zip . && tar -czf ../logs.tar.gz .)
cp "$T/logs.zip" "$T/mix/b.zip"
cp "$T/logs.tar.gz" "$T/mix/c.tar.gz"
cp samples/win10-missing-vcruntime.log "$T/mix/a.log"
cp samples/xp-sxs-manifest.log "$T/mix/d.log"
cp "$T/logs/500-big.log" "$T/mix/e.log"
(cd "$T" && zip -q -X outer.zip logs.zip mix/a.log)
head -c $(($(wc -c < "$T/logs.zip") * 2 / 3)) "$T/logs.zip" > "$T/cut.zip"
# a read error inside a member analyzed as it is read (past 4 MiB): the
# error comes after the records read before it, with -j 2 (a tokenizer
# thread, records still queued when the read failed) as with -j 1
# (enough records for the tokenizer thread to be batches ahead)
for k in 1 2 3 4 5 6 7 8; do cat "$T/logs/500-big.log"; done > "$T/600-big.log"
(cd "$T" && tar -czf big.tar.gz 600-big.log logs/001-*.log)
head -c $(($(wc -c < "$T/big.tar.gz") * 2 / 3)) "$T/big.tar.gz" > "$T/cutbig.tar.gz"
# logs whose output is several times what a worker holds before handing
# it to the printing thread (1 MiB: spill()), around a small one: the
# printing thread writes the handed buffers in order, the next log's
# output held until they are written
mkdir "$T/spill"
v=samples/win10-missing-vcruntime.log
for k in $(seq 1 200); do cat $v $v $v $v $v $v $v $v $v $v; done > "$T/spill/a.log"
cp samples/xp-sxs-manifest.log "$T/spill/b.log"
head -n 60000 "$T/spill/a.log" > "$T/spill/c.log"
cp samples/win10-success.log "$T/spill/d.log"
fail=0
for c in logs.zip logs.tar.gz outer.zip mix cut.zip cutbig.tar.gz spill; do
    for fmt in --json "--all" "--format=html"; do
        # the large member: the records' order is the JSON Lines'
        [ "$c" = cutbig.tar.gz ] && [ "$fmt" != --json ] && continue
        (cd "$T" && "$LDRSNAP" $fmt -j 1 "$c" > out1 2> err1; echo "exit $?" >> out1)
        for j in 2 3; do
            (cd "$T" && "$LDRSNAP" $fmt -j $j "$c" > out$j 2> err$j; echo "exit $?" >> out$j)
            if ! cmp -s "$T/out1" "$T/out$j" || ! cmp -s "$T/err1" "$T/err$j"; then
                echo "FAIL $c $fmt -j $j"
                diff "$T/out1" "$T/out$j" | head -5
                diff "$T/err1" "$T/err$j" | head -5
                fail=1
            fi
        done
        [ "$fmt" = --json ] && cp "$T/out1" "$T/json"
    done
    echo "$c: $(grep -c '"type":"summary"' "$T/json") logs, $(grep -c '"type":"skipped"' "$T/json") skipped, $(grep -c '"type":"error"' "$T/json") errors; -j 2 and -j 3 as -j 1"
done
# one plain file of 5 MB: the two-thread analyzer (the default) writes
# what the one-thread analyzer (-j 1) writes, in every format
for fmt in --json --all --format=html; do
    "$LDRSNAP" $fmt -j 1 "$T/mix/e.log" > "$T/out1" 2>&1
    "$LDRSNAP" $fmt "$T/mix/e.log" > "$T/out2" 2>&1
    if ! cmp -s "$T/out1" "$T/out2"; then
        echo "FAIL e.log $fmt: two threads against one"
        diff "$T/out1" "$T/out2" | head -5
        fail=1
    fi
done
for sub in tree; do
    "$LDRSNAP" $sub -j 1 "$T/mix/e.log" > "$T/out1" 2>&1
    "$LDRSNAP" $sub "$T/mix/e.log" > "$T/out2" 2>&1
    if ! cmp -s "$T/out1" "$T/out2" || [ ! -s "$T/out1" ]; then
        echo "FAIL e.log $sub: two threads against one"
        diff "$T/out1" "$T/out2" | head -5
        fail=1
    fi
done
echo "a plain file of $(wc -c < "$T/mix/e.log") bytes: two threads as one in every format"
exit $fail
