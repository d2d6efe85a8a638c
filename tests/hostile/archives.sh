#!/bin/sh
# archives.sh: hostile archives, made here.  Each gives an error or a
# skip naming ARCHIVE!member, in bounded time (timeout) and memory (peak
# RSS printed against a bound), and every other member is analyzed.
set -u
LDRSNAP=${LDRSNAP:?}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
ok=samples/win10-missing-vcruntime.log
cp "$ok" "$T/a.log"
cp samples/win7-return-chain.log "$T/b.log"
# run LABEL FILE [options]: exit, errors and skips, logs analyzed, RSS
run() {
    label=$1 f=$2
    shift 2
    /usr/bin/time -f %M -o "$T/rss" timeout 60 "$LDRSNAP" --json --all -j 1 \
        "$@" "$f" > "$T/out" 2> /dev/null
    st=$?
    kb=$(tail -1 "$T/rss")
    echo "$label: exit $st, $(grep -c '"type":"summary"' "$T/out") logs," \
         "peak RSS $([ "$kb" -lt 262144 ] && echo '< 256 MiB' || echo "$kb KiB")"
    python3 -c '
import json, sys
seen = {}
for line in open(sys.argv[1], encoding="utf-8"):
    r = json.loads(line)  # valid JSON, whatever the names
    t = r["type"]
    seen[t] = seen.get(t, 0) + 1
    if seen[t] > 3 or t not in ("error", "skipped", "summary"):
        continue
    if t == "error":
        print("  error:", r["message"][:160])
    elif t == "skipped":
        print("  skipped:", r["source"][:100], "-", r["reason"])
    else:
        print("  log:", r["source"], "(%d root causes)" % len(r["root_causes"]))
for t in ("error", "skipped", "summary"):
    if seen.get(t, 0) > 3:
        print("  ... %d %s records in all" % (seen[t], t))
' "$T/out" | sed "s|$T/||g"
}
cd "$T"
zip -q -X good.zip a.log b.log
# truncated and corrupt containers
head -c $(( $(wc -c < good.zip) - 200 )) good.zip > cut.zip
run "zip cut short" cut.zip
python3 - <<'PY'
import zipfile
d = open("good.zip", "rb").read()
z = zipfile.ZipFile("good.zip")
i = z.getinfo("b.log")
off = i.header_offset + 30 + len(i.filename) + 20
d = d[:off] + bytes(b ^ 0x55 for b in d[off:off + 200]) + d[off + 200:]
open("bad.zip", "wb").write(d)
PY
run "zip with a corrupt member" bad.zip
mkdir s
for i in $(seq 100); do cp a.log "s/$i-a.log"; cp b.log "s/$i-b.log"; done
tar --sort=name -czf good.tgz s
head -c $(( $(wc -c < good.tgz) * 3 / 4 )) good.tgz > cut.tgz
run "tar.gz cut short" cut.tgz
7z a -bd -bso0 -bsp0 good.7z a.log b.log > /dev/null
head -c $(( $(wc -c < good.7z) - 64 )) good.7z > cut.7z
run "7z cut short" cut.7z
python3 -c '
import random, sys
random.seed(12)  # the same bytes every run: the same message
sys.stdout.buffer.write(b"\x1f\x8b\x08\0\0\0\0\0\0\x03" +
                        bytes(random.getrandbits(8) for _ in range(65536)))
' > random.gz
run "gzip header and random bytes" random.gz
head -c 65536 /dev/urandom | gzip > random-content.gz
run "gzip of random bytes (a binary)" random-content.gz
# many members, deep nesting, fan-out
python3 - <<'PY'
import zipfile, io
with zipfile.ZipFile("empty100k.zip", "w") as z:
    for i in range(100000):
        z.writestr("e/%06d.log" % i, b"")
    z.write("a.log", "last/a.log")
inner = open("a.log", "rb").read()
name = "a.log"
for depth in range(40):
    b = io.BytesIO()
    with zipfile.ZipFile(b, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(name, inner)
    inner, name = b.getvalue(), "level%02d.zip" % depth
open("deep40.zip", "wb").write(inner)
# 42.zip-like: 16 x 16 x 16 leaves of 16 MiB of zeros (64 GiB), ~1 MB
leaf = io.BytesIO()
with zipfile.ZipFile(leaf, "w", zipfile.ZIP_DEFLATED) as z:
    z.writestr("zeros.log", bytes(16 << 20))
layer = leaf.getvalue()
for level in range(3):
    b = io.BytesIO()
    with zipfile.ZipFile(b, "w", zipfile.ZIP_DEFLATED) as z:
        for i in range(16):
            z.writestr("l%d-%02d.zip" % (level, i), layer)
    layer = b.getvalue()
with zipfile.ZipFile("fanout.zip", "w") as z:
    z.write("a.log", "a.log")
    z.writestr("bomb.zip", layer)
PY
run "100,000 empty members and a log" empty100k.zip
run "zips nested 40 deep" deep40.zip
run "42.zip-like fan-out (64 GiB)" fanout.zip
# names that are paths, links, devices; encrypted; not UTF-8
python3 - <<'PY'
import tarfile, io
log = open("a.log", "rb").read()
with tarfile.open("names.tar", "w", format=tarfile.PAX_FORMAT) as t:
    for name in ["../../etc/evil.log", "/abs/olute.log"]:
        i = tarfile.TarInfo(name); i.size = len(log)
        t.addfile(i, io.BytesIO(log))
    i = tarfile.TarInfo("link.log"); i.type = tarfile.SYMTYPE
    i.linkname = "/etc/shadow"; t.addfile(i)
    i = tarfile.TarInfo("tty.log"); i.type = tarfile.CHRTYPE
    i.devmajor, i.devminor = 5, 0; t.addfile(i)
with tarfile.open("latin1.tar", "w", format=tarfile.GNU_FORMAT,
                  encoding="latin-1") as t:
    i = tarfile.TarInfo("caf\xe9-\x01.log"); i.size = len(log)
    t.addfile(i, io.BytesIO(log))
PY
run "../, absolute, link and device members" names.tar
zip -q -X -P secret enc.zip a.log
zip -q -X enc.zip b.log
run "an encrypted member" enc.zip
run "a name in Latin-1 with a control byte" latin1.tar
