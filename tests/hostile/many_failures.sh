#!/bin/sh
# many_failures.sh N: one process whose loads fail N times, each DLL the
# parent of the one before (dep1.dll needs dep0.dll, ...), so that every
# failure but the deepest is a consequence.  Judging the process must be
# linear (was quadratic: 40,000 failures took minutes).
n=${1:?usage: many_failures.sh N}
awk -v n="$n" 'BEGIN {
    printf "1a2c:0e10 @ 00000001 - LdrpInitializeProcess - INFO: Beginning execution of app.exe (C:\\Apps\\app.exe)\n"
    for (i = 0; i < n; i++)
        printf "1a2c:0f44 @ %08d - LdrpProcessWork - ERROR: Unable to load DLL: \"dep%d.dll\", Parent Module: \"C:\\Apps\\DEP%d.DLL\", Status: 0xc0000135\n", i + 2, i, i + 1
    printf "1a2c:0e10 @ %08d - _LdrpInitialize - ERROR: Process initialization failed with status 0xc0000135\n", n + 2
}'
