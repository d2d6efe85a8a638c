#!/bin/sh
# pid_reuse.sh N: a log of N processes that all get pid 0x1a2c (a pid the
# system reuses), each failing for a missing VCRUNTIME140.dll (a failure,
# its RETURN chain and a signature per process).  A report must give each
# process its own evidence and signatures once: linear in N.
n=${1:?usage: pid_reuse.sh N}
awk -v n="$n" 'BEGIN {
    for (i = 1; i <= n; i++) {
        printf "1a2c:0e10 @ %08d - LdrpInitializeProcess - INFO: Beginning execution of app%d.exe (C:\\Apps\\app%d.exe)\n", i, i, i
        printf "1a2c:0f44 @ %08d - LdrpLoadDllInternal - ENTER: DLL name: C:\\Apps\\Codec%d.dll\n", i, i
        printf "1a2c:0f44 @ %08d - LdrpSearchPath - RETURN: Status: 0xc0000135\n", i
        printf "1a2c:0f44 @ %08d - LdrpProcessWork - ERROR: Unable to load DLL: \"VCRUNTIME140.dll\", Parent Module: \"C:\\Apps\\Codec%d.dll\", Status: 0xc0000135\n", i, i
        printf "1a2c:0e10 @ %08d - _LdrpInitialize - ERROR: Process initialization failed with status 0xc0000135\n", i
    }
}'
