"""Every job's Snakemake benchmark file in one table: wall time, peak memory and the machine
per job (from the first line of the job's own log), summed per rule."""

from pathlib import Path

import pandas as pd

from sparsesens.job import Job
from sparsesens.logs import MACHINE_PREFIX

sm = snakemake  # noqa: F821
job = Job(sm)
log = job.log
root, logs = Path(sm.params.benchmarks), Path(sm.params.logs)


def machine_of(job_path: Path) -> str:
    """The machine a job's log names (jobs mirror their benchmark path in logs/)."""
    path = (logs / job_path).with_suffix(".log")
    lines = path.read_text().splitlines() if path.exists() else []
    said = [line.split(MACHINE_PREFIX, 1)[1] for line in lines[:3] if MACHINE_PREFIX in line]
    return said[0] if said else "unknown"


rows = []
for path in sorted(root.rglob("*.tsv")):
    table = pd.read_csv(path, sep="\t")
    # only Snakemake's benchmark files (our own tables and make bench's live here too)
    if list(table.columns[:2]) != ["s", "h:m:s"] or table.empty:
        continue
    job_path = path.relative_to(root).with_suffix("")
    record = table.iloc[-1]
    rows.append({"rule": job_path.parts[0], "job": str(job_path), "seconds": float(record["s"]),
                 "max_rss_mib": float(record["max_rss"]), "cpu_seconds": float(record["cpu_time"]),
                 "machine": machine_of(job_path)})
jobs = pd.DataFrame(rows)
per_rule = (jobs.groupby("rule")
            .agg(jobs=("job", "count"), total_seconds=("seconds", "sum"),
                 max_seconds=("seconds", "max"), max_rss_mib=("max_rss_mib", "max"),
                 cpu_seconds=("cpu_seconds", "sum"),
                 machine=("machine", lambda m: "; ".join(sorted(set(m)))))
            .sort_values("total_seconds", ascending=False).reset_index())
log.info("\n%s", per_rule.to_string(index=False))
for name, frame in (("tsv", per_rule), ("jobs", jobs)):
    job.write_table(frame, sm.output[name], float_format="%.4g")
