#!/usr/bin/env bash
# Start a real single-node SLURM cluster on this machine (Debian's slurm-wlm, run as root,
# no systemd, no accounting database), for tests/test_slurm.py. Idempotent: a cluster that
# already answers `sinfo` is left alone. Needs: apt-get install slurm-wlm munge.
set -euo pipefail
if sinfo -h >/dev/null 2>&1 && srun -N1 -t 1 true >/dev/null 2>&1; then
  exit 0
fi
host=$(hostname)
node=$(slurmd -C | head -n 1)
mkdir -p /etc/slurm /var/spool/slurmctld /var/spool/slurmd /var/log/slurm /run/munge
cat > /etc/slurm/slurm.conf <<CONF
ClusterName=sparsesens-test
SlurmctldHost=${host}
ProctrackType=proctrack/pgid
TaskPlugin=task/none
SlurmUser=root
StateSaveLocation=/var/spool/slurmctld
SlurmdSpoolDir=/var/spool/slurmd
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
SlurmctldLogFile=/var/log/slurm/slurmctld.log
SlurmdLogFile=/var/log/slurm/slurmd.log
ReturnToService=2
${node}
PartitionName=debug Nodes=${host} Default=YES MaxTime=INFINITE State=UP
CONF
[ -s /etc/munge/munge.key ] || mungekey --create 2>/dev/null || \
  dd if=/dev/urandom bs=1 count=1024 of=/etc/munge/munge.key 2>/dev/null
chown -R munge:munge /etc/munge /run/munge 2>/dev/null || true
chmod 400 /etc/munge/munge.key
pgrep -x munged >/dev/null || munged --force
pkill -x slurmctld 2>/dev/null || true
pkill -x slurmd 2>/dev/null || true
sleep 1
slurmctld
slurmd
for _ in $(seq 1 30); do
  if srun -N1 -t 1 true >/dev/null 2>&1; then
    sinfo
    exit 0
  fi
  scontrol update nodename="${host}" state=resume >/dev/null 2>&1 || true
  sleep 1
done
echo "the SLURM cluster did not come up; see /var/log/slurm" >&2
exit 1
