"""Median and quartiles of the directional derivative per representation and perturbation."""

import pandas as pd

from sparsesens.job import Job, read_table
from sparsesens.sensitivity import summarise

sm = snakemake  # noqa: F821
job = Job(sm)
tables = [("sparse", lam, path) for lam, path in zip(sm.params.lams, sm.input.sparse, strict=True)]
rows = []
for rep, lam, path in [*tables, ("mlp", None, sm.input.mlp)]:
    for kind, group in read_table(path).groupby("perturbation", sort=False):
        rows.append({"representation": rep, "lam": lam, "perturbation": kind,
                     **summarise(group["ratio"].to_numpy())})
summary = pd.DataFrame(rows)
job.log.info("\n%s", summary.to_string(index=False))
job.write_table(summary, sm.output.tsv)
