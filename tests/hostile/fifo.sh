#!/bin/sh
# fifo.sh: a log read through a named FIFO (with its writer) and through a
# pipe named by path (/dev/fd/N, as bash's <(...) gives) must be read once
# and whole: the same records as the plain file, in bounded time.  The
# failure is in the log's first bytes (an early read of 256 KiB used to
# eat it, and the FIFO was opened twice: a hang once its writer was gone).
set -u
LDRSNAP=${LDRSNAP:?}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
{ cat samples/win10-missing-vcruntime.log
  for i in $(seq 150); do cat samples/win10-success.log; done; } > "$T/big.log"
"$LDRSNAP" --json -j 1 "$T/big.log" > "$T/want"
echo "plain: exit $?, $(wc -c < "$T/big.log") bytes"
mkfifo "$T/ldr.fifo"
cat "$T/big.log" > "$T/ldr.fifo" &
timeout 20 "$LDRSNAP" --json "$T/ldr.fifo" > "$T/got"
echo "named FIFO: exit $?"
sed "s|\"source\":\"[^\"]*\"|\"source\":\"X\"|" "$T/want" > "$T/w"
sed "s|\"source\":\"[^\"]*\"|\"source\":\"X\"|" "$T/got" > "$T/g"
cmp -s "$T/w" "$T/g" && echo "named FIFO: same records as the file"
wait
cat "$T/big.log" | timeout 20 "$LDRSNAP" --json /dev/fd/0 samples/win10-success.log > "$T/got"
echo "pipe by path, then a file: exit $?"
grep -v 'win10-success.log' "$T/got" |
    sed "s|\"source\":\"[^\"]*\"|\"source\":\"X\"|" > "$T/g"
cmp -s "$T/w" "$T/g" && echo "pipe by path: same records as the file"
