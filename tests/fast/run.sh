#!/bin/sh
# make check-fast: every fast way against the general way it skips, on
# realistic captures (bench/capgen.c: each host, prefixes, CRLF, UTF-16,
# pasted logs, a mix).  The tokenizer thread (-j 2 on one input) takes
# the fast ways; one thread (-j 1) takes none of them.  Their JSON Lines,
# --all included, must be the same, byte for byte.
set -eu
LDRSNAP=$1 CAPGEN=$2 OUT=$3
mkdir -p "$OUT"
fail=0 n=0 seed=11
for variant in "--host=plain" "--host=plain --prefix" "--host=cdb --crlf" \
               "--host=vs --utf16" "--host=vs-de" "--host=vs-zh --crlf" \
               "--host=dbgview" "--pasted" "" "--utf16" "--prefix --crlf"; do
    # shellcheck disable=SC2086
    "$CAPGEN" -m 3 -s $seed $variant > "$OUT/in.log"
    seed=$((seed + 1))
    for args in "--json" "--json --all"; do
        # shellcheck disable=SC2086
        "$LDRSNAP" $args -j 1 "$OUT/in.log" > "$OUT/one.jsonl" || [ $? -le 1 ]
        # shellcheck disable=SC2086
        "$LDRSNAP" $args -j 2 "$OUT/in.log" > "$OUT/two.jsonl" || [ $? -le 1 ]
        n=$((n + 1))
        if ! cmp -s "$OUT/one.jsonl" "$OUT/two.jsonl"; then
            fail=$((fail + 1))
            echo "FAIL: capgen -m 3 $variant, ldrsnap $args: -j 1 and -j 2 differ"
            diff "$OUT/one.jsonl" "$OUT/two.jsonl" | head -6
        fi
    done
done
echo "fast ways: $((n - fail)) of $n captures agree with the general way"
[ "$fail" -eq 0 ]
