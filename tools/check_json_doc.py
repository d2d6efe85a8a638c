#!/usr/bin/env python3
"""check_json_doc.py LDRSNAP: every record type and field the CLI writes
(analyze --json --all over the samples and tests/data, tokens, decode,
rules) is documented in docs/ldrsnap-json.5, as Dq name or Do name Dc.
Prints what is missing and exits 1 then."""
import json
import re
import subprocess
import sys

exe = sys.argv[1]
runs = [[exe, '--json', '--all', '-j', '1', 'samples', 'tests/data/dir',
         'tests/data/xp-dcom-exception.log', 'does-not-exist.log'],
        [exe, 'tokens', '--json', 'samples/windbg-missing-export.log',
         'tests/data/win7-flattened.log', 'samples/xp-sxs-manifest.log'],
        [exe, 'decode', '--json', '0x80070005', '0x80', 'nonsense'],
        [exe, 'rules', 'list', '--json'],
        [exe, 'rules', 'show', '--json', 'vcruntime-missing'],
        [exe, 'rules', 'check', '--json', 'tests/data/user-rules/good.yml']]
page = open('docs/ldrsnap-json.5').read()
documented = set(re.findall(r'Dq (\w+)', page)) | \
    set(re.findall(r'Do (\w+) Dc', page))
seen = {}


def keys(obj, where):
    if isinstance(obj, dict):
        for k, v in obj.items():
            seen.setdefault(k, where)
            keys(v, where)
    elif isinstance(obj, list):
        for v in obj:
            keys(v, where)


for cmd in runs:
    out = subprocess.run(cmd, capture_output=True, text=True).stdout
    for line in out.splitlines():
        rec = json.loads(line)
        where = rec.get('type', cmd[1])
        if 'type' in rec:
            seen.setdefault(rec['type'], 'type')
        keys(rec, where)
missing = sorted(k for k in seen if k not in documented)
for k in missing:
    print('ldrsnap-json(5) does not document "%s" (in %s records)'
          % (k, seen[k]))
print('json-doc-check: %d names, %d missing' % (len(seen), len(missing)))
sys.exit(1 if missing else 0)
