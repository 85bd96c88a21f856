"""The remedy figure: the first dictionary seed's row of analysis/remedy.tsv per penalty."""

from sparsesens import figures
from sparsesens.pipeline.job import Job, read_table

sm = snakemake  # noqa: F821
job = Job(sm)
table = read_table(sm.input.tsv)
job.write_figure(figures.remedy_curves(table[table["dictionary_seed"] == 0]), sm.output.png)
