"""The Eq. 5 figure: the measured responses along d_1 - d_2 (and d_1) against Eq. 5."""

from sparsesens import figures
from sparsesens.pipeline.job import Job, read_table

sm = snakemake  # noqa: F821
job = Job(sm)
job.write_figure(figures.eq5_scatter(read_table(sm.input.tsv)), sm.output.png)
