"""Every job's Snakemake benchmark file in one table: wall time, peak memory and the machine
per job (from the first line of the job's own log), summed per rule."""

from pathlib import Path

from sparsesens.pipeline.job import Job
from sparsesens.pipeline.runtimes import job_times, rule_times

sm = snakemake  # noqa: F821
job = Job(sm)
jobs = job_times(Path(sm.params.benchmarks), Path(sm.params.logs))
per_rule = rule_times(jobs)
job.log.info("\n%s", per_rule.to_string(index=False))
for name, frame in (("tsv", per_rule), ("jobs", jobs)):
    job.write_table(frame, sm.output[name], float_format="%.4g")
