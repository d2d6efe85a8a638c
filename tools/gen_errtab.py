#!/usr/bin/env python3
"""Generate lib/errtab.c: every Win32 error, HRESULT and NTSTATUS by name and
value, plus exception codes and our own explanations, as static const data.

Sources (names and values only; no message text is taken from any of them):

  * librust-winapi-dev: winapi 0.3.9, src/shared/winerror.rs and ntstatus.rs.
    Licence: MIT OR Apache-2.0.
  * mingw-w64-common: include/winerror.h, ntstatus.h, lmerr.h, wininet.h,
    corerror.h (.NET COR_E_*, FUSION_E_*). Licence: public domain (the
    mingw-w64 headers carry the "no copyright is claimed" dedication).
  * tools/data/exceptions.tsv, explain.tsv, preferred.txt: ours.

The union of both sources is taken.  Where they give one name two values,
the mingw-w64 value wins, as its headers track the Windows SDK's; each such
disagreement is listed in the output's banner.

Usage: gen_errtab.py [--winapi DIR] [--mingw DIR] > lib/errtab.c
The output depends only on the inputs: same inputs, same bytes.
"""
import argparse
import os
import re
import sys

WIN32, HRESULT, NTSTATUS, EXCEPTION, IIS_EXIT = 1, 2, 3, 4, 5
FAMILY = {"win32": WIN32, "hresult": HRESULT, "ntstatus": NTSTATUS,
          "exception": EXCEPTION, "iis_exit": IIS_EXIT}
NOT_CODES = re.compile(r"^(FACILITY_|SEVERITY_|STATUS_SEVERITY_|NERR_BASE$|"
                       r"MAX_NERR$|INTERNET_ERROR_BASE$|INTERNET_ERROR_LAST$|"
                       r"WSABASEERR$|_)")


def u32(v):
    return v & 0xFFFFFFFF


# ---- winapi (Rust) ---------------------------------------------------------

RS_CONST = re.compile(r"pub const ([A-Za-z0-9_]+)\s*:\s*([A-Za-z0-9_]+)\s*=\s*"
                      r"([^;]+);", re.S)


def rs_int(expr):
    expr = re.sub(r"\s+as\s+[A-Za-z0-9_]+", "", expr).strip()
    neg = expr.startswith("-")
    expr = expr.lstrip("-").replace("_", "") if re.match(r"-?(0x)?[0-9A-Fa-f_]+$", expr) else expr
    if re.match(r"0x[0-9A-Fa-f]+$", expr):
        v = int(expr, 16)
    elif re.match(r"[0-9]+$", expr):
        v = int(expr)
    else:
        return None
    return -v if neg else v


def parse_rs(path, default_family):
    out, refs = {}, {}
    text = open(path, encoding="utf-8").read()
    for name, typ, expr in RS_CONST.findall(text):
        if NOT_CODES.match(name):
            continue
        fam = {"DWORD": WIN32, "HRESULT": HRESULT,
               "NTSTATUS": NTSTATUS}.get(typ, default_family)
        v = rs_int(expr)
        if v is None:
            refs[(fam, name)] = expr.strip()
        else:
            out[(fam, name)] = u32(v)
    return out, refs


# ---- mingw-w64 (C headers) -------------------------------------------------

DEFINE = re.compile(r"^\s*#\s*define\s+([A-Za-z_][A-Za-z0-9_]*)\s+(.+?)\s*$")


def c_clean(expr):
    expr = re.sub(r"/\*.*?\*/", "", expr)
    expr = re.sub(r"//.*", "", expr).strip()
    expr = re.sub(r"\(\s*(HRESULT|NTSTATUS|DWORD|LONG|long|SCODE|ULONG|"
                  r"unsigned long|int)\s*\)", "", expr)
    expr = re.sub(r"\b(0[xX][0-9A-Fa-f]+|[0-9]+)[uUlL]+\b", r"\1", expr)
    return expr


def c_eval(expr, names):
    def make_hresult(sev, fac, code):
        return u32((sev << 31) | (fac << 16) | code)
    env = {
        "__MSABI_LONG": lambda x: x, "_HRESULT_TYPEDEF_": lambda x: x,
        "_NDIS_ERROR_TYPEDEF_": lambda x: x,
        "EMAKEHR": lambda x: u32(0x80130000 | x),
        "SMAKEHR": lambda x: u32(0x00130000 | x),
        "MAKE_HRESULT": make_hresult,
        "HRESULT_FROM_WIN32": lambda x: x if x <= 0 else u32((x & 0xFFFF) | 0x80070000),
        "SEVERITY_ERROR": 1, "SEVERITY_SUCCESS": 0, "FACILITY_URT": 0x13,
        "FACILITY_ITF": 4, "FACILITY_WIN32": 7,
    }
    if not re.match(r"^[A-Za-z0-9_()+\-|<>x ,]+$", expr):
        return None
    for tok in set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", expr)):
        if tok in env or re.match(r"^x[0-9A-Fa-f]+$", tok):
            continue
        if tok not in names:
            return None
        env[tok] = names[tok]
    try:
        v = eval(expr, {"__builtins__": {}}, env)  # restricted: ints only
    except Exception:
        return None
    return u32(v) if isinstance(v, int) else None


def parse_header(path, family_of, known):
    """The codes a header defines; `known` holds the names and values of
    the headers read before it (corerror.h defines COR_E_FILENOTFOUND as
    HRESULT_FROM_WIN32(ERROR_FILE_NOT_FOUND) and COR_E_NULLREFERENCE as
    E_POINTER, both from winerror.h); its own are added to it."""
    defs = []
    for line in open(path, encoding="latin-1"):
        m = DEFINE.match(line)
        if m and "(" not in m.group(1):
            defs.append((m.group(1), c_clean(m.group(2))))
    names, out = dict(known), {}
    own = set()
    for _ in range(4):  # references may point forward
        for name, expr in defs:
            if name in own:
                continue
            v = c_eval(expr, names)
            if v is not None:
                names[name] = v
                own.add(name)
    known.update((n, names[n]) for n in own)
    names = {n: names[n] for n in own}
    for name, expr in defs:
        if name in names and not NOT_CODES.match(name):
            fam = family_of(name, expr)
            if fam:
                out[(fam, name)] = names[name]
    return out


def winerror_family(name, expr):
    if ("_HRESULT_TYPEDEF_" in expr or "MAKE_HRESULT" in expr or
            "HRESULT_FROM_WIN32" in expr):
        return HRESULT
    if re.match(r"^(ERROR_|WSA|RPC_|EPT_|DNS_|NO_ERROR$|OR_|EVENT_|SCHED_|"
                r"PEERDIST_|WARNING_|APPMODEL_|STORE_|DS_|FRS_|SEC_E_|"
                r"CERT_E_)", name) and "__MSABI_LONG" in expr:
        return WIN32
    if "__MSABI_LONG" in expr or re.match(r"^\(?WSABASEERR", expr):
        return WIN32
    return None


def ntstatus_family(name, expr):
    return NTSTATUS if re.match(r"^[A-Z]", name) and ("0x" in expr.lower() or
                                                      re.match(r"^[A-Z_]+$", expr)) else None


def lmerr_family(name, expr):
    return WIN32 if name.startswith("NERR_") else None


def wininet_family(name, expr):
    return WIN32 if re.match(r"^ERROR_(INTERNET|HTTP|FTP|GOPHER)_", name) else None


def corerror_family(name, expr):
    if re.match(r"^[A-Z][A-Z0-9_]*_(E|S)_", name) or "MAKEHR" in expr:
        return HRESULT
    return None


# ---- our data -----------------------------------------------------------------

def read_tsv(path, ncols):
    rows = []
    for line in open(path, encoding="utf-8"):
        if not line.strip() or line.startswith("#"):
            continue
        cols = line.rstrip("\n").split("\t")
        if len(cols) != ncols:
            sys.exit("%s: expected %d columns: %r" % (path, ncols, line))
        rows.append(cols)
    return rows


def parse_value(s):
    return u32(int(s, 16) if s.lower().startswith("0x") else int(s))


# ---- output -----------------------------------------------------------------------

def c_string(s):
    out = []
    for ch in s:
        if ch in '\\"':
            out.append("\\" + ch)
        elif 32 <= ord(ch) < 127:
            out.append(ch)
        else:
            out.append("\\%03o" % ord(ch))
    return '"' + "".join(out) + '"'


class Pool:
    def __init__(self):
        self.parts, self.offs, self.size = [], {}, 0

    def add(self, s):
        if s not in self.offs:
            self.offs[s] = self.size
            self.parts.append(s)
            self.size += len(s.encode()) + 1
        return self.offs[s]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--winapi", default="/usr/share/cargo/registry/winapi-0.3.9/src/shared")
    ap.add_argument("--mingw", default="/usr/share/mingw-w64/include")
    ap.add_argument("--data", default=os.path.join(os.path.dirname(__file__), "data"))
    a = ap.parse_args()

    codes, conflicts = {}, []
    rs_refs = {}
    for f, fam in (("winerror.rs", WIN32), ("ntstatus.rs", NTSTATUS)):
        got, refs = parse_rs(os.path.join(a.winapi, f), fam)
        codes.update(got)
        rs_refs.update(refs)
    by_name = {n: v for (_, n), v in codes.items()}
    for (fam, name), expr in sorted(rs_refs.items()):
        if expr in by_name:
            codes[(fam, name)] = by_name[expr]
    mingw, known = {}, {}
    for f, fam_of in (("winerror.h", winerror_family),
                      ("ntstatus.h", ntstatus_family),
                      ("lmerr.h", lmerr_family),
                      ("wininet.h", wininet_family),
                      ("corerror.h", corerror_family)):
        mingw.update(parse_header(os.path.join(a.mingw, f), fam_of, known))
    for key, v in sorted(mingw.items()):
        if key in codes and codes[key] != v:
            conflicts.append("%s: winapi 0x%08X, mingw-w64 0x%08X (kept)"
                             % (key[1], codes[key], v))
        codes[key] = v
    for value, name in read_tsv(os.path.join(a.data, "exceptions.tsv"), 2):
        codes[(EXCEPTION, name)] = parse_value(value)
    preferred = [l.strip() for l in open(os.path.join(a.data, "preferred.txt"))
                 if l.strip() and not l.startswith("#")]
    rank = {n: i for i, n in enumerate(preferred)}
    explain = []
    for fam, value, text, advice in read_tsv(os.path.join(a.data, "explain.tsv"), 4):
        explain.append((FAMILY[fam], parse_value(value), text, advice))
    explain.sort()

    entries = sorted(((v, fam, rank.get(n, len(rank)), n)
                      for (fam, n), v in codes.items()))
    pool = Pool()
    code_rows = [(v, fam, pool.add(n)) for v, fam, _, n in entries]
    order = sorted(range(len(entries)), key=lambda i: entries[i][3])
    expl_rows = [(fam, v, pool.add(t), pool.add(adv)) for fam, v, t, adv in explain]

    count = {f: sum(1 for (fam, _) in codes if fam == f) for f in (WIN32, HRESULT, NTSTATUS, EXCEPTION)}
    w = sys.stdout.write
    w("/*\n * errtab.c - GENERATED by tools/gen_errtab.py; DO NOT EDIT.\n"
      " * Regenerate with `make regen` (needs python3, librust-winapi-dev and\n"
      " * mingw-w64-common).  Names and values only; see the generator for the\n"
      " * sources and their licences.\n *\n")
    w(" * %d Win32, %d HRESULT, %d NTSTATUS, %d exception names; %d explained.\n"
      % (count[WIN32], count[HRESULT], count[NTSTATUS], count[EXCEPTION], len(explain)))
    w(" * Values the sources disagree on (the mingw-w64 value is kept): %d\n" % len(conflicts))
    for c in conflicts:
        w(" *   %s\n" % c)
    w(" */\n#include \"codes/codes_internal.h\"\n\n")
    w("const char ldrsnap__code_pool[] =\n")
    for s in pool.parts:
        w("    %s \"\\0\"\n" % c_string(s))
    w("    ;\n\n")
    w("const ls_code_entry ldrsnap__codes[] = {\n")
    for v, fam, off in code_rows:
        w("    {0x%08Xu, %du, %d},\n" % (v, off, fam))
    w("};\nconst size_t ldrsnap__ncodes = %d;\n\n" % len(code_rows))
    w("/* indices into ldrsnap__codes, in name order */\n")
    w("const uint16_t ldrsnap__codes_by_name[] = {\n")
    for i in range(0, len(order), 12):
        w("    " + ", ".join(str(x) for x in order[i:i + 12]) + ",\n")
    w("};\n\n")
    w("const ls_explain_entry ldrsnap__explain[] = {\n")
    for fam, v, t, adv in expl_rows:
        w("    {0x%08Xu, %d, %du, %du},\n" % (v, fam, t, adv))
    w("};\nconst size_t ldrsnap__nexplain = %d;\n" % len(expl_rows))
    if len(code_rows) > 65535:
        sys.exit("too many codes for uint16_t indices")


if __name__ == "__main__":
    main()
