#!/bin/sh
# rules.sh KIND: a hostile rule file (or, for kinds ending in -log, the
# log that goes with one) on standard output, generated at test time.
#   deep      lists nested 40,000 deep (libyaml's work grows with depth at
#             every token: 10 s)
#   keys      a rule of 100,000 keys (duplicate keys were checked
#             pairwise: 110 s)
#   many      100,000 rules (each id looked up among those before)
#   aliases   a 512 KiB value anchored once, the title of 2,000 rules
#             (copied at each use: 1 MiB of YAML took 1 GiB)
#   expand    a rule whose title holds 100,000 ${dll} (quadratic)
#   backtrack a rule whose pattern backtracks without end, (a+)+$
#   expand-log, backtrack-log: logs that fire them
kind=${1:?usage: rules.sh KIND}
case "$kind" in
deep)
    awk 'BEGIN { s = "rules: "; for (i = 0; i < 40000; i++) s = s "[";
                 for (i = 0; i < 40000; i++) s = s "]"; print s }' ;;
keys)
    awk 'BEGIN { print "rules:\n  - id: k\n    title: t\n    severity: low";
                 for (i = 0; i < 100000; i++) printf "    k%d: v\n", i }' ;;
many)
    awk 'BEGIN { print "rules:";
                 for (i = 0; i < 100000; i++)
                     printf "  - {id: r%d, title: t, severity: low, match: {steps: [{msg: unable_to_load}]}}\n", i }' ;;
aliases)
    awk 'BEGIN { s = "x"; while (length(s) < 524288) s = s s;
                 printf "rules:\n  - {id: r, title: &a \"%s\", severity: low, match: {steps: [{msg: unable_to_load}]}}\n", s;
                 for (i = 0; i < 2000; i++)
                     printf "  - {id: r%d, title: *a, severity: low, match: {steps: [{msg: unable_to_load}]}}\n", i }' ;;
expand)
    awk 'BEGIN { printf "rules:\n  - id: expand\n    severity: low\n    title: \"";
                 for (i = 0; i < 100000; i++) printf "${dll}";
                 print "\"\n    match: {steps: [{msg: unable_to_load}]}" }' ;;
expand-log)
    printf '1a2c:0f44 @ 02 - LdrpProcessWork - ERROR: Unable to load DLL: "%s.dll", Parent Module: "C:\\A\\b.dll", Status: 0xc0000135\n' \
        "$(awk 'BEGIN { s = "d"; while (length(s) < 400) s = s s; print substr(s, 1, 400) }')" ;;
backtrack)
    printf 'rules:\n  - id: backtrack\n    title: t\n    severity: low\n    match: {steps: [{pattern: "(a+)+$"}]}\n' ;;
backtrack-log)
    awk 'BEGIN { s = "a"; while (length(s) < 64) s = s s;
                 for (i = 0; i < 2000; i++)
                     printf "1a2c:0f44 @ %08d - LdrpSearchPath - INFO: %s%d!\n", i, s, i }' ;;
*)
    echo "rules.sh: unknown kind $kind" >&2; exit 2 ;;
esac
