#!/bin/sh
# check_slurm.sh LDRSNAP: the README's Slurm recipe, for real, on this
# machine: munged, slurmctld and slurmd started on 127.0.0.1 under a
# temporary folder (their own ports, state, spool and munge socket;
# ProctrackType=proctrack/linuxproc), the documented job array over a
# folder of archives (one JSONL shard per archive), the dependent job that
# reduces the shards with `ldrsnap rollup`, and the result compared with
# the one-machine run's rollup.  The daemons it started are stopped by
# their pids, also on failure.
set -u
LDRSNAP=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
SRC=$(pwd)
for p in slurmctld slurmd slurm-client munge; do
    dpkg -s "$p" > /dev/null 2>&1 || missing="${missing:-} $p"
done
if [ -n "${missing:-}" ]; then
    SUDO=; [ "$(id -u)" -eq 0 ] || SUDO=sudo
    $SUDO apt-get install -y -qq $missing > /dev/null || exit 1
fi
W=$(mktemp -d /tmp/ldrsnap-slurm.XXXXXX)
chmod 755 "$W"
pids=
stop() {
    for p in $pids; do kill "$p" 2> /dev/null; done
    for p in $pids; do
        i=0
        while kill -0 "$p" 2> /dev/null && [ $i -lt 50 ]; do
            sleep 0.1; i=$((i + 1)); done
        kill -9 "$p" 2> /dev/null
    done
    [ -n "${KEEP:-}" ] || rm -rf "$W"
}
trap stop EXIT
trap 'exit 1' INT TERM
fail() { echo "check-slurm: FAIL: $*"; for f in "$W"/log/*; do echo "== $f"; tail -5 "$f"; done; exit 1; }
free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
mkdir -p "$W/log" "$W/state" "$W/spool" "$W/munge" "$W/work"
chmod 700 "$W/munge"
# munge, on a socket of its own
dd if=/dev/urandom of="$W/munge/munge.key" bs=1024 count=1 2> /dev/null
chmod 400 "$W/munge/munge.key"
/usr/sbin/munged --force --key-file="$W/munge/munge.key" \
    --socket="$W/munge/munge.sock" --pid-file="$W/munge/munged.pid" \
    --log-file="$W/log/munged.log" --seed-file="$W/munge/seed" || fail "munged"
pids="$(cat "$W/munge/munged.pid")"
node=$(hostname -s)
ctl_port=$(free_port)
d_port=$(free_port)
cat > "$W/slurm.conf" <<CONF
ClusterName=ldrsnapcheck
SlurmctldHost=$node(127.0.0.1)
SlurmctldPort=$ctl_port
SlurmdPort=$d_port
SlurmUser=$(id -un)
SlurmdUser=$(id -un)
AuthType=auth/munge
AuthInfo=socket=$W/munge/munge.sock
CredType=cred/munge
StateSaveLocation=$W/state
SlurmdSpoolDir=$W/spool/%n
SlurmctldPidFile=$W/slurmctld.pid
SlurmdPidFile=$W/slurmd.pid
SlurmctldLogFile=$W/log/slurmctld.log
SlurmdLogFile=$W/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SchedulerType=sched/builtin
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
MpiDefault=none
ReturnToService=2
SlurmctldParameters=enable_configless
NodeName=$node NodeAddr=127.0.0.1 CPUs=$(nproc) State=UNKNOWN
PartitionName=check Nodes=$node Default=YES MaxTime=INFINITE State=UP
CONF
export SLURM_CONF="$W/slurm.conf"
/usr/sbin/slurmctld -f "$SLURM_CONF" -i || fail "slurmctld"
sleep 0.5
pids="$pids $(cat "$W/slurmctld.pid")"
/usr/sbin/slurmd -f "$SLURM_CONF" -N "$node" || fail "slurmd"
sleep 0.5
pids="$pids $(cat "$W/slurmd.pid")"
i=0
until sinfo -h -N -o %T 2> /dev/null | grep -q -E '^(idle|mixed|allocated)'; do
    i=$((i + 1)); [ $i -lt 100 ] || fail "the node did not come up"
    sleep 0.2
done
echo "check-slurm: munged, slurmctld and slurmd up on 127.0.0.1:$ctl_port/$d_port"
# a folder of archives, as support keeps them
cd "$W/work"
mkdir cases src
i=0
for f in "$SRC"/samples/*.log; do
    i=$((i + 1))
    mkdir -p "src/case$((i % 6))"
    cp "$f" "src/case$((i % 6))/"
done
head -c 4096 /dev/urandom > src/case0/crash.dmp
for d in src/case0 src/case1 src/case2; do (cd "$d" && zip -q -X -r "$W/work/cases/${d#src/}.zip" .); done
tar --sort=name -czf cases/case3.tar.gz -C src/case3 .
tar --sort=name -cJf cases/case4.tar.xz -C src/case4 .
(cd src/case5 && 7z a -bd -bso0 -bsp0 "$W/work/cases/case5.7z" . > /dev/null)
# the README's recipe (section "Past one machine: Slurm")
ls cases/* > archives.txt
n=$(wc -l < archives.txt)
mkdir shards
cat > shard.sbatch <<'JOB'
#!/bin/sh
#SBATCH --job-name=ldrsnap-shard
#SBATCH --output=shards/%a.log
f=$(sed -n "$((SLURM_ARRAY_TASK_ID + 1))p" archives.txt)
ldrsnap --json -j "${SLURM_CPUS_PER_TASK:-1}" "$f" \
    > "shards/$(printf %06d "$SLURM_ARRAY_TASK_ID").jsonl"
[ $? -le 1 ] || [ -s "shards/$(printf %06d "$SLURM_ARRAY_TASK_ID").jsonl" ]
JOB
mkdir -p bin
ln -s "$LDRSNAP" bin/ldrsnap
export PATH="$W/work/bin:$PATH"
array=$(sbatch --parsable --array=0-$((n - 1)) shard.sbatch) || fail "sbatch"
sbatch --parsable --wait --dependency=afterany:"$array" \
    --output=rollup.jsonl --wrap 'ldrsnap rollup --json shards/*.jsonl' \
    > /dev/null
st=$?
[ -s rollup.jsonl ] || fail "no rollup (sbatch --wait: $st)"
echo "check-slurm: $n array tasks, $(ls shards/*.jsonl | wc -l) shards reduced"
"$LDRSNAP" --json --files-from=archives.txt 2> /dev/null | tail -1 > one.jsonl
if cmp -s one.jsonl rollup.jsonl; then
    echo "check-slurm: the rollup equals the one-machine run's"
    sed 's/"root_causes".*//' rollup.jsonl
else
    diff one.jsonl rollup.jsonl | cut -c1-300
    fail "the rollups differ"
fi
