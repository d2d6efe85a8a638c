#!/bin/sh
# CLI golden tests: each case in cases.txt runs ldrsnap and compares its
# stdout, stderr and exit status with expected/<name>.out.
# UPDATE=1 rewrites the expected files.  A case named sh-* is a shell
# command line, for what needs more than one run of ldrsnap (a terminal
# through script(1), a file written with -o).
set -u
LDRSNAP=${LDRSNAP:?set LDRSNAP to the ldrsnap binary}
cd "$(dirname "$0")/../.."
T=$(mktemp -d)
# a sanitized build (make asan, make check-portable) reserves terabytes of
# shadow memory: cases skip their ulimit -v and memory bounds under it
SANITIZED=0
nm "$LDRSNAP" 2>/dev/null | grep -q __asan_init && SANITIZED=1
export LDRSNAP T SANITIZED
trap 'rm -rf "$T"' EXIT
gzip -c samples/win10-missing-vcruntime.log > "$T/vcruntime.log.gz"
head -c 300 "$T/vcruntime.log.gz" > "$T/bad.gz"
pass=0 fail=0
while IFS='|' read -r name args; do
    case "$name" in ''|'#'*) continue ;; esac
    out="$T/$name.out"
    # standard input is not a terminal and empty unless the case says
    # otherwise; a case named sh-* is a shell command line of its own
    # ($LDRSNAP is the binary; `script` gives it a terminal)
    case "$name" in
    sh-*) (eval "$args") < /dev/null > "$T/stdout" 2> "$T/stderr" ;;
    # shellcheck disable=SC2086
    *) eval "\"$LDRSNAP\" $args" < /dev/null > "$T/stdout" 2> "$T/stderr" ;;
    esac
    status=$?
    { cat "$T/stdout"; echo "--- stderr"; cat "$T/stderr"; echo "--- exit $status"; } |
        sed "s|$T|\$T|g" > "$out"
    exp="tests/cli/expected/$name.out"
    if [ "${UPDATE:-0}" = 1 ]; then
        cp "$out" "$exp"
    fi
    if diff -u "$exp" "$out" > "$T/diff"; then
        pass=$((pass + 1))
    else
        fail=$((fail + 1))
        echo "FAIL: $name"
        cat "$T/diff"
    fi
done < tests/cli/cases.txt
echo "cli golden: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
