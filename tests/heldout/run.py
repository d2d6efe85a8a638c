#!/usr/bin/env python3
"""Held-out check (issue 11): ldrsnap --json on every tests/heldout/NAME.log,
its root causes compared with the truth in NAME.json, written by hand and
apart from the generator that make score uses.

A verdict is right when a truth process has a root cause of the same kind,
status, DLL (file name, any case; none when the truth has none), parent
(file name, when the truth names one), pid (when the truth knows it) and a
line the truth accepts for that failure ("lines": the lines of one event,
e.g. a NameToOrdinal WARNING and the ReportError after it).  Each truth root
cause is matched once.  Precision = right / verdicts, recall = right / root
causes.  "encoding": "utf-16le" and "crlf": true make the input from the
UTF-8 source at test time (BOM + UTF-16LE, CRLF line ends).  "expect_exit"
and "loader_lines" are checked when given.

known-failures.txt names the cases that still fail: a case failing that is
not listed fails the test, and so does a listed case that now passes (take
it off the list): the list can only shrink.

usage: run.py LDRSNAP DIR [-v]"""
import json, os, subprocess, sys, tempfile

def base(p):
    return p.replace("/", "\\").rsplit("\\", 1)[-1].lower() if p else None

def prepare(path, truth, tmp):
    enc, crlf = truth.get("encoding", "utf-8"), truth.get("crlf", False)
    if enc == "utf-8" and not crlf:
        return path
    text = open(path, encoding="utf-8", newline="").read()
    if crlf:
        text = text.replace("\r\n", "\n").replace("\n", "\r\n")
    data = (b"\xff\xfe" + text.encode("utf-16-le")) if enc == "utf-16le" \
        else text.encode("utf-8")
    out = os.path.join(tmp, os.path.basename(path))
    with open(out, "wb") as f:
        f.write(data)
    return out

def why_not(t, v):
    r = t["root_cause"]
    if v.get("kind") != r["kind"]: return "kind"
    if (v.get("status") or "").lower() != r["status"]: return "status"
    if base(v.get("dll")) != base(r["dll"]): return "dll"
    if "parent" in r and base(v.get("parent")) != base(r["parent"]): return "parent"
    if t["pid"] is not None and v.get("pid") != t["pid"]: return "pid"
    if v.get("line") not in r.get("lines", [r["line"]]): return "line"
    return None

def run_case(ldrsnap, d, name, tmp, verbose):
    truth = json.load(open(os.path.join(d, name + ".json"), encoding="utf-8"))
    log = prepare(os.path.join(d, name + ".log"), truth, tmp)
    p = subprocess.run([ldrsnap, "--json", log], capture_output=True)
    summ = None
    for l in p.stdout.decode("utf-8", "replace").splitlines():
        try:
            rec = json.loads(l)
        except ValueError:
            continue
        if rec.get("type") == "summary":
            summ = rec
    problems = []
    if summ is None:
        problems.append("no summary record (exit %d: %s)" % (p.returncode,
                        p.stderr.decode("utf-8", "replace").strip()))
        summ = {"root_causes": []}
    if "expect_exit" in truth and p.returncode != truth["expect_exit"]:
        problems.append("exit %d, want %d" % (p.returncode, truth["expect_exit"]))
    if "loader_lines" in truth and summ.get("loader_lines") != truth["loader_lines"]:
        problems.append("loader_lines %s, want %d" % (summ.get("loader_lines"),
                                                     truth["loader_lines"]))
    roots = [t for t in truth["processes"] if t["root_cause"]]
    matched = set()
    right = 0
    verdicts = summ.get("root_causes", [])
    for v in verdicts:
        whys = []
        for i, t in enumerate(roots):
            w = why_not(t, v)
            if w is None and i not in matched:
                matched.add(i)
                right += 1
                break
            whys.append("%s vs pid %s line %s" % (w or "twice", t["pid"], t["root_cause"]["line"]))
        else:
            problems.append("wrong verdict: %s %s %s parent %s pid %s line %s (%s)" % (
                v.get("kind"), v.get("dll"), v.get("status"), v.get("parent"),
                v.get("pid"), v.get("line"), "; ".join(whys) or "no root cause in the truth"))
    for i, t in enumerate(roots):
        if i not in matched:
            r = t["root_cause"]
            problems.append("missed: %s %s %s parent %s pid %s line %s" % (
                r["kind"], r["dll"], r["status"], r.get("parent"), t["pid"], r["line"]))
    return right, len(verdicts), len(roots), problems

def main():
    args = [a for a in sys.argv[1:] if a != "-v"]
    verbose = "-v" in sys.argv[1:]
    if len(args) != 2:
        sys.exit(__doc__)
    ldrsnap, d = args
    known = set()
    kf = os.path.join(d, "known-failures.txt")
    if os.path.exists(kf):
        for l in open(kf, encoding="utf-8"):
            l = l.split("#", 1)[0].strip()
            if l:
                known.add(l)
    names = sorted(f[:-5] for f in os.listdir(d) if f.endswith(".json"))
    R = V = T = 0
    bad = []
    failing = []
    with tempfile.TemporaryDirectory() as tmp:
        for n in names:
            r, v, t, problems = run_case(ldrsnap, d, n, tmp, verbose)
            R, V, T = R + r, V + v, T + t
            if problems:
                failing.append(n)
                tag = "known" if n in known else "FAIL"
                if n not in known or verbose:
                    for pr in problems:
                        print("heldout: %s: %s: %s" % (tag, n, pr))
                if n not in known:
                    bad.append(n)
            elif n in known:
                print("heldout: %s now passes: take it off known-failures.txt" % n)
                bad.append(n)
    for n in sorted(known - set(names)):
        print("heldout: known-failures.txt names %s, which is not a case" % n)
        bad.append(n)
    prec = R / V if V else 1.0
    rec = R / T if T else 1.0
    print("heldout: %d cases, %d failing (%d known); root causes %d, verdicts %d, "
          "right %d: precision %.4f recall %.4f" % (len(names), len(failing),
          len([n for n in failing if n in known]), T, V, R, prec, rec))
    sys.exit(1 if bad else 0)

main()
