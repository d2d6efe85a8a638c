#!/bin/sh
# far_evidence.sh: a log (4 MB) whose evidence is far from where the page
# learns it shows it, for --format=html (issue 13: every evidence link
# opens its line in the excerpts):
#   - alpha.exe (the first card) fails at line 2, then 15,000 WARNING
#     lines of noisy.exe (each may be a failure's) come before it exits:
#     a ring of recent or of such lines has let line 2 go by then;
#   - 3,000 processes each map a DLL from Downloads (a signature) and
#     fail after the first cards are taken: the page shows none of them;
#   - quiet.exe, which does not fail, maps one from Downloads after them
#     and exits 12,000 lines later: the page shows its signature;
#   - echo.exe fails; the next process of its pid (0x300) has a
#     first-chance exception and exits with 0: echo.exe's card must not
#     take that exception (the page shows neither the process nor it).
awk 'function line(pid, tid, text) {
    printf "%04x:%04x @ %08d - %s\n", pid, tid, ++tick, text
}
function begin(pid, name) {
    line(pid, 1, "LdrpInitializeProcess - INFO: Beginning execution of " name ".exe (C:\\app\\" name ".exe)")
}
function fail(pid, dll, parent) {
    line(pid, 1, "LdrpProcessWork - ERROR: Unable to load DLL: \"" dll "\", Parent Module: \"C:\\app\\" parent "\", Status: 0xc0000135")
}
function downloads(pid, dll) {
    line(pid, 1, "LdrpMinimalMapModule - ENTER: DLL name: C:\\Users\\jdoe\\Downloads\\" dll)
}
function warn(pid, n,   i) {
    for (i = 0; i < n; i++)
        line(pid, 2, "LdrpSnapModule - WARNING: Unable to resolve a forwarder of module number " i)
}
function exit_(pid, name, code) {
    printf "The program '\''[%d] %s.exe'\'' has exited with code %s.\n", pid, name, code
}
BEGIN {
    begin(256, "alpha"); fail(256, "alpha.dll", "alpha.exe")
    begin(384, "quiet")
    begin(512, "noisy"); warn(512, 15000)
    exit_(256, "alpha", "-1073741515 (0xc0000135)")
    begin(768, "echo"); fail(768, "echo.dll", "echo.exe")
    exit_(768, "echo", "-1073741515 (0xc0000135)")
    begin(768, "echo2"); warn(512, 20)
    print "(300.1): Access violation - code c0000005 (first chance)"
    for (i = 0; i < 3000; i++) {
        p = 4096 + i
        begin(p, "d" i); downloads(p, "d" i ".dll")
        fail(p, "d" i "x.dll", "d" i ".exe")
        exit_(p, "d" i, "-1073741515 (0xc0000135)")
    }
    warn(512, 10)
    downloads(384, "quiet.dll")
    warn(512, 12000)
    exit_(768, "echo2", "0 (0x0)")
    exit_(384, "quiet", "0 (0x0)")
    exit_(512, "noisy", "0 (0x0)")
}'
