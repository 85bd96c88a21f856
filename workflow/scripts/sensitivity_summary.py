"""Median and quartiles of the directional derivative per representation and perturbation."""

import pandas as pd

from sparsesens.job import Job, read_table
from sparsesens.sensitivity import summarise

sm = snakemake  # noqa: F821
job = Job(sm)
# each sparse table names its dictionary's lambda (column lam); the MLP's has none
tables = [("sparse", read_table(path)) for path in sm.input.sparse]
rows = []
for rep, table in [*tables, ("mlp", read_table(sm.input.mlp))]:
    lam = float(table["lam"].iloc[0]) if rep == "sparse" else None
    for kind, group in table.groupby("perturbation", sort=False):
        rows.append({"representation": rep, "lam": lam, "perturbation": kind,
                     **summarise(group["ratio"].to_numpy())})
summary = pd.DataFrame(rows)
job.log.info("\n%s", summary.to_string(index=False))
job.write_table(summary, sm.output.tsv)
