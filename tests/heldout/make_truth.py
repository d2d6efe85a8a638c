#!/usr/bin/env python3
"""Writes every NAME.json of tests/heldout/ from the table below: the truth
of each hand-written log, its lines found by a piece of their text (so that
editing a log does not leave a stale line number).  Run it after changing
a log or a truth, and check the diff."""
import json, sys, os
D = os.path.dirname(os.path.abspath(__file__))
def L(name, sub, nth=1):
    n = 0
    for i, l in enumerate(open(os.path.join(D, name + ".log"), encoding="utf-8").read().split("\n"), 1):
        if sub in l:
            n += 1
            if n == nth: return i
    raise SystemExit(f"{name}: {sub!r} not found")
def rc(name, kind, dll, status, subs, parent=None):
    lines = [L(name, s) if isinstance(s, str) else L(name, *s) for s in subs]
    r = {"kind": kind, "dll": dll, "status": status, "line": lines[0]}
    if len(lines) > 1: r["lines"] = lines
    if parent: r["parent"] = parent
    return r
def P(pid, image, root): return {"pid": pid, "image": image, "root_cause": root}
def W(name, dialect, host, procs, notes, encoding="utf-8", crlf=False, **kw):
    d = {"source": "held-out excerpt written by hand for ldrsnap (issue 11); not taken from any corpus",
         "dialect": dialect, "host": host, "encoding": encoding, "crlf": crlf}
    d.update(kw)
    d["processes"] = procs
    d["notes"] = notes
    with open(os.path.join(D, name + ".json"), "w") as f:
        json.dump(d, f, indent=2, ensure_ascii=False); f.write("\n")
N = "xp-pid-started-two-processes"
W(N, "xp", "none", [
  P(0x4d8, "cupdate.exe", None),
  P(0x9c4, "cuhelper.exe", rc(N, "dll_not_found", "MSVCR80.dll", "0xc0000135", ["failed to probe MSVCR80.dll"], parent="cucore.dll"))],
  "Two XP processes started by 'LDR: PID: 0x... started' + NEW PROCESS blocks. The first loads an optional plugin and runs down cleanly; the second's static import chain stops at a missing MSVCR80.dll (the parent is cucore.dll from the 'used by' line, not the last snapped module). Patterns 1, 2.")
N = "xp-new-process-dynamic-last-act"
W(N, "xp", "cdb", [
  P(3120, "rptgen.exe", rc(N, "dll_not_found", "oraclient10.dll", "0xc0000135", ["loading oraclient10.dll"]))],
  "XP LdrLoadDll with no Loading/Refcount after it: rptskin.dll is not found but the process goes on (handled); oraclient10.dll is the process's last loader act, so it is the root cause (Server 2003 prints nothing more for 0xc0000135). pid from the INIT LIST line / the (c30.b14) event. Pattern 2, 5.")
N = "cdb-two-commandlines"
W(N, "vista", "cdb", [
  P(0x1c4c, "imgconv.exe", rc(N, "dll_not_found", "de265.dll", "0xc0000135", ["Unable to load DLL: \"de265.dll\""], parent="heif.dll")),
  P(0x0ee8, "imgconv.exe", None)],
  "Two cdb sessions pasted into one log (CommandLine: banners). Run 1: de265.dll missing under heif.dll. Run 2 (other pid) succeeds, no root cause. CRLF. Patterns 1, 5.", crlf=True)
N = "vs-en-two-runs-exit-lines"
W(N, "vista", "vs-en", [
  P(12052, "SyncAgent.exe", None),
  P(12400, "SyncAgent.exe", rc(N, "dll_not_found", "libcurl.dll", "0xc0000135", ["Unable to load DLL: \"libcurl.dll\""], parent="cloudsync.dll"))],
  "Visual Studio (English) Output window with two debugging sessions. Run 1: an optional telemetry.dll LoadLibrary fails (RETURN chain only) and the program goes on and exits 0: handled. Run 2: libcurl.dll missing on worker 3c40, which also existed (same tid) in run 1; the thread and program exit lines are consequences. Saved as UTF-16LE with BOM and CRLF. Patterns 1, 5, 6.", encoding="utf-16le", crlf=True)
N = "vs-de-init-routine-last"
W(N, "vista", "vs-de", [
  P(0x1a60, "Messwerk.exe", rc(N, "init_failed", "GeraeteTreiber.dll", "0xc0000142", ["Calling init routine 00007FFD9C0B13B0", "_LdrpInitialize - ERROR"]))],
  "German Visual Studio Output window; GeraeteTreiber.dll's DllMain faults (German first-chance AV line) and process initialization fails with 0xc0000142: the last 'Calling init routine' names the DLL. UTF-16LE + BOM + CRLF. Pattern 4, 6, 8.", encoding="utf-16le", crlf=True)
N = "vs-zh-utf16-crlf-interleaved"
W(N, "vista", "vs-zh", [
  P(0x08ac, "PhotoLab.exe", rc(N, "dll_not_found", "MSVCP140.dll", "0xc0000135", ["Unable to load DLL: \"MSVCP140.dll\""], parent="Qt6Core.dll"))],
  "Chinese Visual Studio Output window (full-width quotes), parallel loader workers 31f4 and 2c88 interleaved line by line; MSVCP140.dll missing under Qt6Core.dll; exit lines in Chinese. UTF-16LE + BOM + CRLF. Non-ASCII user folder. Patterns 5, 6, interleaving.", encoding="utf-16le", crlf=True)
N = "dbgview-two-processes"
W(N, "vista", "dbgview", [
  P(7460, "svchelper.exe", None),
  P(5112, "fabupd.exe", rc(N, "bad_image", "fabnet.dll", "0xc000007b", ["Unable to load DLL: \"fabnet.dll\""], parent="fabupd.exe"))],
  "DebugView capture (sequence, time, [pid] columns, tab separated, trailing tab), two processes. svchelper.exe's wrong-architecture fabcrypt.dll (0xc000007b) is handled: it falls back and goes on. fabupd.exe's static import fabnet.dll is the wrong architecture and ends it. CRLF. Patterns 1, 5.", crlf=True)
N = "vsd-prefix-two-apps"
W(N, "vista", "vsd", [
  P(10044, "okular.exe", None),
  P(8316, "kate.exe", rc(N, "dll_not_found", "KF6SyntaxHighlighting.dll", "0xc0000135", ["Unable to load DLL: \"KF6SyntaxHighlighting.dll\""], parent="KF6TextEditor.dll"))],
  "KDE VSD capture, every line prefixed 'app(pid): ', two programs. okular's poppler generator plugin fails (ERROR line with a real parent) but okular goes on loading the next plugin and exits 0: handled. kate's static import chain fails. Patterns 1, 5.")
N = "line-numbered-export-cdb"
W(N, "vista", "cdb", [
  P(0x2c04, "renderer_test.exe", rc(N, "export_not_found", "gfxshader.dll", "0xc0000139", ["LdrpNameToOrdinal", "LdrpReportError"]))],
  "Editor line numbers before each line (412...). Missing C++ export: the exporter is the module whose ModLoad starts at the warning's base (gfxshader.dll), not gfxcore.dll that ReportError and ProcessWork name (the importer). Patterns 7, prefixes.")
N = "debugstring-handled-null-parent"
W(N, "vista", "custom debugger", [
  P(0x1f60, "vidcap.exe", None)],
  "DebugString: \"...\" wrapper. nvEncodeAPI64.dll is absent (ERROR with Parent Module \"(null)\": a LoadLibrary probe) but the program falls back, loads mfplat.dll and exits 0: no root cause. Pattern 5.")
N = "win10-parallel-four-threads"
W(N, "vista", "cdb", [
  P(0x35a0, "nwstudio.exe", rc(N, "dll_not_found", "tbb12.dll", "0xc0000135", ["Unable to load DLL: \"tbb12.dll\""], parent="nwscript.dll"))],
  "Windows 10 parallel loading: main thread 35a4 and three workers (0f3c, 10b8, 1a44) interleaved line by line with ModLoad lines between. Only 1a44's tbb12.dll is not found; d3dcompiler_47 and nwscript are found after probes. Interleaving.")
N = "win10-optional-plugins-then-fatal"
W(N, "vista", "plain", [
  P(0x0b5c, "dataflow.exe", rc(N, "dll_not_found", "libzstd.dll", "0xc0000135", ["Unable to load DLL: \"libzstd.dll\""], parent="dfengine.dll"))],
  "Two optional plugins fail first (arrow.dll missing under df_parquet.dll with an ERROR line, then df_cuda.dll 0xc000007b) and the program goes on each time: handled. The required dfengine.dll then fails on libzstd.dll and the program stops. Pattern 5.")
N = "win10-success-probes-exit0"
W(N, "vista", "vs-en", [
  P(15684, "notes.exe", None)],
  "A successful start: benign FindKnownDll 0xc0000135, per-directory ResolveDllName probes, GetModuleHandle (LdrGetDllHandleEx) 0xc0000135, exit code 0. No root cause. Pattern 5, 6.")
N = "cdb-cpp-exception-then-missing"
W(N, "vista", "cdb", [
  P(0x1630, "pkgmgr.exe", rc(N, "dll_not_found", "icuuc72.dll", "0xc0000135", ["Unable to load DLL: \"icuuc72.dll\""], parent="sqlite3.dll"))],
  "Handled first-chance C++ (e06d7363) and RPC (000006ba) exceptions come first; then LoadLibrary(sqlite3.dll) fails because icuuc72.dll is missing and the program dies of an unhandled C++ exception (second chance). The exceptions are not root causes. Pattern 3, 5.")
N = "xp-clr-exception-then-init-failed"
W(N, "xp", "ntsd", [
  P(2828, "w3wp.exe", rc(N, "init_failed", "LegacyAuth.dll", "0xc0000142", ["DLL_PROCESS_ATTACH for dll", "Unloading c:\\inetpub"]))],
  "XP/2003 w3wp with [pid,tid] prefixes on some lines; two handled first-chance CLR exceptions (e0434f4d) after mscoree loads, then LegacyAuth.dll's DLL_PROCESS_ATTACH fails. Pattern 3, 4.")
N = "xp-rpc-then-dcom"
W(N, "xp", "ntsd", [
  P(0x11ac, "w3wp.exe", rc(N, "access_denied", None, "0x80070005", ["code 80070005"]))],
  "IIS6 w3wp under ntsd: an RPC first-chance 000006ba and a C++ e06d7363 are handled; then the DCOM marshalling lookups, 0x80070005 and the UNINIT LIST run-down: the DCOM pattern is the root cause. Pattern 3.")
N = "win11-init-routine-error-cdb-av"
W(N, "vista", "cdb", [
  P(0x2e68, "tsscan.exe", rc(N, "init_failed", "tshook.dll", "0xc0000142", ["Calling init routine 00007FFDF1A01370", "Init routine 00007FFDF1A01370"]))],
  "Windows 11: tshook.dll's DllMain faults (cdb first-chance access violation between 'Calling init routine' and the new 'Init routine ... failed during DLL_PROCESS_ATTACH' ERROR), then 'Running the init routines of the executable's static imports failed'. The AV is how the init routine failed, not a root cause of its own. CRLF. Patterns 4, 8.", crlf=True)
N = "win10-static-init-running-failed"
W(N, "vista", "logging tool", [
  P(0x1074, "LabelPrinter.exe", rc(N, "init_failed", "usbprint64.dll", "0xc0000142", ["usbprint64.dll", "Running the init routines"]))],
  "A logging tool's date/time/[pid] prefix. No ERROR names the DLL: the thread's last 'Calling init routine' before 'Running the init routines ... failed with status 0xc0000142' is usbprint64.dll (zebraio.dll's init returned). Pattern 4, 8.")
N = "win10-subsystem-dll-failed"
W(N, "vista", "cdb", [
  P(0x0c18, "kiosk.exe", rc(N, "access_denied", "KERNEL32.DLL", "0xc0000022", ["Loading Windows subsystem DLL", "LdrpMinimalMapModule - RETURN: Status: 0xc0000022"]))],
  "Mapping kernel32.dll is denied (0xc0000022) and the loader reports 'Loading Windows subsystem DLL \"KERNEL32.DLL\" failed'. Pattern 8.")
N = "nt4-relocations-then-missing"
W(N, "xp", "cdb", [
  P(0x8f, "ledger32.exe", rc(N, "dll_not_found", "CRPE32.DLL", "0xc0000135", ["loading CRPE32.DLL"]))],
  "NT4: relocation lines (LdrpMapDll Relocating, relocated due to collision, Automatic DLL relocation) are never failures; the last LdrLoadDll (CRPE32.DLL) has nothing after it but the program's message: not found. Patterns 2, 8.")
N = "nt4-relocations-success"
W(N, "xp", "none", [
  P(None, "WINZIP32.EXE", None)],
  "NT4 with relocations, stale binding and a plugin load that succeeds, then an UNINIT LIST: no failure. Pattern 8.")
N = "win7-snapiat-exception-cdb"
W(N, "vista", "cdb", [
  P(0xe30, "invoice.exe", rc(N, "export_not_found", "zlib1.dll", "0xc0000139", ["LdrpNameToOrdinal", "LdrpSnapIAT - ERROR", "raised exception"]))],
  "Windows 7 under cdb (32-bit ModLoad without backtick): inflateValidate missing in the zlib1.dll mapped at the warning's base; 'Function LdrpSnapIAT raised exception' names the loader's function, not a symbol. Pattern 7, 8.")
N = "vs2013-entry-point-not-found"
W(N, "vista", "vs-en", [
  P(2588, "Scheduler.exe", rc(N, "export_not_found", "taskcore.dll", "0xc0000139", ["LdrpNameToOrdinal", "LdrpSnapIAT - ERROR", "LdrpSnapThunk"]))],
  "Visual Studio 2013 on Windows 7 (WOW64): the missing TaskQueue_Drain in taskcore.dll, then VS2013's 'First-chance exception ... 0xC0000139: Entry Point Not Found.' (a consequence) and the exit lines. Pattern 6, 8.")
N = "vs2013-entry-point-only"
W(N, "none", "vs-en", [
  P(7764, "Viewer.exe", None)],
  "Visual Studio 2013 output without loader snaps: the only evidence is the loader's first-chance 0xC0000139 'Entry Point Not Found' exception and the exit line. Not one loader-snaps line, so no root cause can be named: ldrsnap must say loader snaps were off (loader_lines 0, exit 2), as for no-snaps-cdb-capture. Patterns 6, 8, 10.", expect_exit=2, loader_lines=0)
N = "win7-return-chain-two-threads"
W(N, "vista", "plain", [
  P(0xf48, "mediasrv.exe", None)],
  "Windows 7: a codec thread (1280) fails to load avcodec-53.dll (avutil-51.dll not found, RETURN chain only), the service says so and its main thread goes on loading ws2_32.dll and resolving procedures: handled, no root cause. Pattern 5.")
N = "cdb-module-map-per-process"
W(N, "vista", "cdb", [
  P(0x3a18, "harness.exe", None),
  P(0x3b40, "harness.exe", rc(N, "export_not_found", "msgpackc.dll", "0xc0000139", ["LdrpNameToOrdinal", "LdrpReportError"]))],
  "Two cdb runs: run 1 maps netproto.dll at 0x7ffd8b200000, calls its init routine, resolves procedures from it and passes. In run 2 the warning's base 0x7ffd8b2b0000 lies inside run 1's netproto.dll range and inside run 2's wirecodec.dll range, but only run 2's msgpackc.dll starts exactly there. Pattern 7.")
N = "xp-static-used-by-parent"
W(N, "xp", "none", [
  P(0x6f8, "fax2pdf.exe", rc(N, "dll_not_found", "jpeg62.dll", "0xc0000135", ["LdrpLoadImportModule failed"], parent="tiffkit.dll"))],
  "XP static import failure: jpeg62.dll used by tiffkit.dll, while the last module snapped was fax2pdf.exe. [pid,tid] prefix on some lines. Pattern 2.")
N = "pasted-code-comment"
W(N, "vista", "pasted", [
  P(0x2b7c, "Indexer.exe", rc(N, "dll_not_found", "hunspell-1.7-0.dll", "0xc0000135", ["Unable to load DLL"], parent="spellcheck.dll"))],
  "Records quoted in a C++ source comment ('//   ' prefix). Pattern 9.")
N = "pasted-prose-quote"
W(N, "vista", "pasted", [
  P(0x0fd0, "beacond.exe", rc(N, "dll_not_found", "libssl-3-x64.dll", "0xc0000135", ["Unable to load DLL"], parent="beacond.exe"))],
  "A forum post quoting one record inside prose ('It might look like this: '...''); the later quoted FindKnownDll RETURN is benign. Pattern 9.")
N = "pasted-cut-heads-padded"
W(N, "vista", "pasted", [
  P(None, None, rc(N, "dll_not_found", "libcrypto-3.dll", "0xc0000135", ["Unable to load DLL"], parent="_ssl.pyd"))],
  "pid:tid @ tick heads cut off ('- LdrpX - ...' and 'LdrpX - ...'), function names padded to a column, then Python's ImportError. Pattern 9.")
N = "pasted-wrapped-record"
W(N, "vista", "pasted", [
  P(0x1e20, "w3wp.exe", rc(N, "dll_not_found", "OraOps19w.dll", "0xc0000135", ["Unable to load DLL:"], parent="Oracle.DataAccess.dll"))],
  "An e-mail quote ('> ') with the ERROR record wrapped onto two indented lines under the first. Pattern 9.")
N = "pasted-mid-message-fragment"
W(N, "vista", "pasted", [
  P(None, None, rc(N, "dll_not_found", "libcrypto-3-x64.dll", "0xc0000135", ["Parent Module"], parent="libpq.dll"))],
  "A fragment that starts in the middle of an LdrpProcessWork ERROR message: the DLL, the parent and the status are still there (low confidence). Pattern 9.")
N = "no-snaps-cdb-capture"
W(N, "none", "cdb", [
  P(0x2a44, "convert.exe", None)],
  "A cdb capture taken without +sls: ModLoad lines and a second-chance c0000135 but not one loader-snaps line. ldrsnap must say no loader snaps were found (loader_lines 0, exit 2), not give an all-clear. Pattern 10.", expect_exit=2, loader_lines=0)
N = "no-snaps-vs-exit"
W(N, "none", "vs-en", [
  P(10812, "Reporter.exe", None)],
  "Visual Studio output without loader snaps; the exit lines carry 0xc0000135 but exit lines are consequences, never a root cause of their own. loader_lines 0, exit 2. Patterns 6, 10.", expect_exit=2, loader_lines=0)
