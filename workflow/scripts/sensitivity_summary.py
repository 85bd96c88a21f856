"""Median and quartiles of the directional derivative per representation and perturbation,
and the perturbations compared in pairs on the same samples."""

from sparsesens.pipeline.job import Job, read_table
from sparsesens.sensitivity import summary_tables

sm = snakemake  # noqa: F821
job = Job(sm)
# each sparse table names its dictionary's lambda and seed; the MLP's has neither
tables = [("sparse", read_table(path)) for path in sm.input.sparse]
summary, paired = summary_tables([*tables, ("mlp", read_table(sm.input.mlp))])
job.log.info("\n%s\n\n%s", summary.to_string(index=False), paired.to_string(index=False))
job.write_table(summary, sm.output.tsv)
job.write_table(paired, sm.output.paired)
