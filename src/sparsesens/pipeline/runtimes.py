"""The jobs' wall times and peak memory, from the benchmark files Snakemake writes per job
(``benchmarks/<rule>/<job>.tsv`` under a results root), and the machine each job's log
names. Read by the pipeline benchmark rule and by ``benchmarks/keep_reference.py``."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from sparsesens.pipeline.logs import MACHINE_PREFIX, SPEED_SEPARATOR, product_ms_of


def job_times(benchmarks: Path, logs: Path) -> pd.DataFrame:
    """One row per job that left a Snakemake benchmark file under ``benchmarks``: rule, job
    (its path below ``benchmarks``), seconds, max_rss_mib, cpu_seconds, machine and
    product_ms (the machine's time for the reference product, NaN where not measured; both
    from the first lines of the job's log under ``logs``, which mirrors that path). A job
    run more than once counts its last attempt."""
    rows = []
    for path in sorted(Path(benchmarks).rglob("*.tsv")):
        table = pd.read_csv(path, sep="\t")
        # only Snakemake's benchmark files (our own tables and make bench's live here too)
        if list(table.columns[:2]) != ["s", "h:m:s"] or table.empty:
            continue
        job = path.relative_to(benchmarks).with_suffix("")
        record = table.iloc[-1]
        # the log mirrors the benchmark path; job names hold dots (lam_0.3), so append
        line = _machine_of(Path(logs) / f"{job}.log")
        rows.append({"rule": job.parts[0], "job": str(job), "seconds": float(record["s"]),
                     "max_rss_mib": float(record["max_rss"]),
                     "cpu_seconds": float(record["cpu_time"]),
                     "machine": line.partition(SPEED_SEPARATOR)[0],
                     "product_ms": product_ms_of(line)})
    return pd.DataFrame(rows, columns=["rule", "job", "seconds", "max_rss_mib",
                                       "cpu_seconds", "machine", "product_ms"])


def rule_times(jobs: pd.DataFrame) -> pd.DataFrame:
    """:func:`job_times` summed per rule, the longest-running rule first."""
    return (jobs.groupby("rule")
            .agg(jobs=("job", "count"), total_seconds=("seconds", "sum"),
                 max_seconds=("seconds", "max"), max_rss_mib=("max_rss_mib", "max"),
                 cpu_seconds=("cpu_seconds", "sum"),
                 machine=("machine", lambda m: "; ".join(sorted(set(m)))),
                 product_ms=("product_ms", "median"))
            .sort_values("total_seconds", ascending=False).reset_index())


def _machine_of(log: Path) -> str:
    """The machine a job's log names on one of its first lines, else ``unknown``."""
    lines = log.read_text().splitlines()[:3] if log.exists() else []
    said = [line.split(MACHINE_PREFIX, 1)[1] for line in lines if MACHINE_PREFIX in line]
    return said[0] if said else "unknown"
