#!/bin/sh
# rollup_many.sh: `ldrsnap rollup` of shards whose summaries hold
# hundreds of root causes, the same (kind, DLL, status) coming back in
# other shards and other orders, a DLL or a status missing (null), names
# that differ only in case or in a last byte: the rollup record
# against what the shards say, counted here (every cause once a log,
# its first three sources in input order, sorted by count, then kind,
# DLL, status).  rollup.c looks causes up by hash: its table grows and
# is rebuilt while shards come in.
set -u
LDRSNAP=${LDRSNAP:?}
T=$(mktemp -d)
trap '[ -n "${KEEP:-}" ] || rm -rf "$T"' EXIT
cd "$T"
python3 - <<'PY'
import json, random
random.seed(15)
kinds = ["dll_not_found", "export_not_found", "init_failed", "bad_image"]
dlls = [None] + ["lib%03d.dll" % i for i in range(400)] + \
       ["Lib007.dll", "lib007.dlm", "lib00.dll"]
stats = [None, "0xc0000135", "0xc0000139", "0xc0000142"]
causes = {}   # (kind, dll, status) -> [count, sources]
order = []
shards = []
for s in range(12):
    lines = []
    for k in range(random.randint(3, 40)):
        src = "shard%d/log%d.log" % (s, k)
        rcs = []
        for _ in range(random.randint(0, 60)):
            c = (random.choice(kinds), random.choice(dlls), random.choice(stats))
            rcs.append({"kind": c[0], "dll": c[1], "status": c[2]})
            if c not in causes:
                causes[c] = [0, []]
                order.append(c)
            e = causes[c]
            e[0] += 1
            if len(e[1]) < 3 and (not e[1] or e[1][-1] != src):
                e[1].append(src)
        lines.append(json.dumps({"type": "summary", "source": src,
                                 "signatures": 0, "root_causes": rcs,
                                 "loader_lines": 5}))
    open("shard-%02d.jsonl" % s, "w").write("\n".join(lines) + "\n")

def key(c):
    def s(x):  # NULL first, then strcmp order
        return (0, b"") if x is None else (1, x.encode())
    return (-causes[c][0], s(c[0]), s(c[1]), s(c[2]))

out = []
for c in sorted(order, key=key):
    out.append({"kind": c[0], "dll": c[1], "status": c[2],
                "count": causes[c][0], "sources": causes[c][1]})
json.dump({"n": len(order), "root_causes": out}, open("want.json", "w"))
PY
"$LDRSNAP" rollup --json shard-*.jsonl > got.jsonl
echo "rollup: exit $?"
python3 - <<'PY'
import json
want = json.load(open("want.json"))
got = json.loads(open("got.jsonl").read().splitlines()[-1])
print("causes: %d" % want["n"])
print("the same root causes" if got["root_causes"] == want["root_causes"]
      else "root causes differ")
PY
