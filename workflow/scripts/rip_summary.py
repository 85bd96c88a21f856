"""The RIP distributions of every lambda and dictionary seed as one summary table."""

from sparsesens.analysis import rip_summary
from sparsesens.pipeline.job import Job, read_table

sm = snakemake  # noqa: F821
job = Job(sm)
tables = [read_table(path) for path in sm.input.tables]
summary = rip_summary(tables)
job.log.info("\n%s", summary.to_string(index=False))
job.write_table(summary, sm.output.tsv)
