#!/bin/sh
# gzip.sh: plain .gz inputs (inflated by ISA-L's igzip, or zlib in a build
# without it): members concatenated (gzip multi-member, an empty one among
# them) are read whole, from a file and from a pipe; a log of several MB
# crosses every buffer; a cut stream and a bad CRC are errors naming the
# file after what came before; a .gz inside a tar is a member.  Prints one
# line per case; a difference is printed and the script exits 1.  A .gz
# from a pipe (or of 4 MiB and more) is inflated on a thread of its own,
# or by the tokenizer thread when it has one (-j 2).
set -u
LDRSNAP=${LDRSNAP:?set LDRSNAP to the ldrsnap binary}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail=0
same() { # label want got
    if cmp -s "$2" "$3"; then echo "ok $1"
    else echo "FAIL $1"; diff "$2" "$3" | head -5; fail=1; fi
}
cat samples/win10-missing-vcruntime.log samples/xp-sxs-manifest.log \
    samples/two-processes.log > "$T/all.log"
gzip -c samples/win10-missing-vcruntime.log > "$T/all.gz"
: | gzip -c >> "$T/all.gz"
gzip -c samples/xp-sxs-manifest.log >> "$T/all.gz"
gzip -9 -c samples/two-processes.log >> "$T/all.gz"
"$LDRSNAP" --json "$T/all.log" | sed 's|all\.log|all.gz|g' > "$T/want"
"$LDRSNAP" --json "$T/all.gz" > "$T/got"
same "four members, one empty: as the plain file" "$T/want" "$T/got"
"$LDRSNAP" --json - < "$T/all.gz" | sed 's|<stdin>|'"$T"'/all.gz|g' > "$T/got"
same "the same through a pipe" "$T/want" "$T/got"
# several MB: every buffer boundary
for k in $(seq 1 1500); do cat samples/win7-return-chain.log samples/cdb-export-base-reused.log; done > "$T/big.log"
gzip -c "$T/big.log" > "$T/big.gz"
"$LDRSNAP" --json -j 1 "$T/big.log" | sed 's|big\.log|big.gz|g' > "$T/want"
"$LDRSNAP" --json -j 1 "$T/big.gz" > "$T/got"
same "$(($(wc -c < "$T/big.log") / 1000000)) MB: as the plain file" "$T/want" "$T/got"
# cut in the middle: what came before is analyzed, then the error
head -c $(($(wc -c < "$T/big.gz") / 2)) "$T/big.gz" > "$T/cut.gz"
"$LDRSNAP" --json "$T/cut.gz" > "$T/got" 2> "$T/err"
echo "cut: exit $?, $(grep -c '"type":"failure"' "$T/got") failures before: $(sed "s|$T/||" "$T/err")"
# a flipped byte of the CRC-32
python3 -c "
import sys
d = bytearray(open(sys.argv[1], 'rb').read()); d[-6] ^= 0xff
open(sys.argv[2], 'wb').write(d)" "$T/big.gz" "$T/crc.gz"
"$LDRSNAP" --brief "$T/crc.gz" > /dev/null 2> "$T/err"
echo "bad CRC: exit $?: $(sed "s|$T/||" "$T/err")"
# the same through a pipe: inflated on a thread of its own
"$LDRSNAP" --json - < "$T/cut.gz" > "$T/got" 2> "$T/err"
echo "cut, a pipe: exit $?, $(grep -c '"type":"failure"' "$T/got") failures before: $(cat "$T/err")"
"$LDRSNAP" --brief - < "$T/crc.gz" > /dev/null 2> "$T/err"
echo "bad CRC, a pipe: exit $?: $(cat "$T/err")"
"$LDRSNAP" --json -j 1 - < "$T/big.gz" | sed 's|<stdin>|'"$T"'/big.gz|g' > "$T/got"
"$LDRSNAP" --json -j 1 "$T/big.log" | sed 's|big\.log|big.gz|g' > "$T/want"
same "5 MB through a pipe: as the plain file" "$T/want" "$T/got"
# with a tokenizer thread, which inflates it itself (no inflater thread)
"$LDRSNAP" --json -j 2 - < "$T/big.gz" | sed 's|<stdin>|'"$T"'/big.gz|g' > "$T/got"
same "5 MB through a pipe, -j 2: as the plain file" "$T/want" "$T/got"
# a .gz member of a tar
mkdir "$T/d" && cp "$T/all.gz" "$T/d/x.log.gz" && (cd "$T/d" && tar cf ../t.tar x.log.gz)
"$LDRSNAP" --json "$T/all.log" | sed 's|"source":"[^"]*"|"source":"'"$T"'/t.tar!x.log.gz"|' > "$T/want"
"$LDRSNAP" --json "$T/t.tar" > "$T/got"
same "a .gz in a tar: its member" "$T/want" "$T/got"
exit $fail
