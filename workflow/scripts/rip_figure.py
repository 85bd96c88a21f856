"""The RIP figure: each lambda's distributions of the active dictionaries' extreme singular
values, for the first dictionary seed."""

from sparsesens import figures
from sparsesens.pipeline.job import Job, read_table

sm = snakemake  # noqa: F821
job = Job(sm)
tables = {float(table["lam"].iloc[0]): table for table in map(read_table, sm.input.tables)}
job.write_figure(figures.rip_distributions(tables), sm.output.png)
