#!/bin/sh
# rollup.sh: a folder of archives analyzed in one run, and the same
# archives one per run (shards) reduced by `ldrsnap rollup`: the same
# rollup record, byte for byte; --files-from (lines, and NUL with --null)
# gives the one run's output.  The archives hold logs, a dump and a
# readme (skipped), and a corrupt member (unreadable).
set -u
LDRSNAP=${LDRSNAP:?}
SRC=$(pwd)
T=$(mktemp -d)
trap '[ -n "${KEEP:-}" ] || rm -rf "$T"' EXIT
cd "$T"
mkdir cases logs
cp "$SRC"/samples/*.log logs/
head -c 20000 /dev/urandom > logs/crash.dmp
printf 'Steps to reproduce: start the app.\n' > logs/README.txt
i=0
for f in logs/*; do
    i=$((i + 1))
    mkdir -p "c$((i % 5))"
    cp "$f" "c$((i % 5))/"
done
for d in c0 c1 c2; do (cd "$d" && zip -q -X -r "../cases/$d.zip" .); done
tar --sort=name -czf cases/c3.tar.gz -C c3 .
(cd c4 && 7z a -bd -bso0 -bsp0 ../cases/c4.7z . > /dev/null)
# a zip whose second member is corrupt
cp cases/c0.zip cases/c5.zip
python3 - <<'PY'
import zipfile
d = bytearray(open("cases/c5.zip", "rb").read())
i = zipfile.ZipFile("cases/c5.zip").infolist()[1]
off = i.header_offset + 30 + len(i.filename) + 10
d[off:off + 100] = bytes(x ^ 0x5a for x in d[off:off + 100])
open("cases/c5.zip", "wb").write(bytes(d))
PY
"$LDRSNAP" --json cases > one.jsonl 2> /dev/null
echo "one run: exit $?"
tail -1 one.jsonl | grep -q '"type":"rollup".*"skipped":[2-9],"errors":1,' &&
    echo "its rollup: the dump and the readme skipped, the corrupt member unreadable"
n=0
for a in cases/*; do
    n=$((n + 1))
    "$LDRSNAP" --json "$a" > "shard-$n.jsonl" 2> /dev/null
done
"$LDRSNAP" rollup --json $(ls shard-*.jsonl | sort -t- -k2 -n) > reduced.jsonl
echo "rollup of $n shards: exit $?"
tail -1 one.jsonl | cmp -s - reduced.jsonl && echo "the same rollup record"
"$LDRSNAP" rollup $(ls shard-*.jsonl | sort -t- -k2 -n) > reduced.txt
"$LDRSNAP" cases 2> /dev/null | sed -n '/^rollup: /,$p' > one.txt
sed -n '/^rollup: /,$p' reduced.txt | cmp -s - one.txt && echo "the same rollup in text"
ls cases/* > list.txt
"$LDRSNAP" --json --files-from=list.txt > from.jsonl 2> /dev/null
cmp -s one.jsonl from.jsonl && echo "--files-from: the same output"
find cases -type f -print0 | sort -z | "$LDRSNAP" --json --files-from=- --null > from0.jsonl 2> /dev/null
cmp -s one.jsonl from0.jsonl && echo "--files-from=- --null: the same output"
