"""Median and quartiles of the directional derivative per representation and perturbation,
and the perturbations compared in pairs on the same samples."""

import pandas as pd

from sparsesens.pipeline.job import Job, read_table
from sparsesens.sensitivity import PAIRS, paired_comparison, summarise

sm = snakemake  # noqa: F821
job = Job(sm)
# each sparse table names its dictionary's lambda and seed; the MLP's has neither
tables = [("sparse", read_table(path)) for path in sm.input.sparse]
rows, pairs = [], []
for rep, table in [*tables, ("mlp", read_table(sm.input.mlp))]:
    lam = float(table["lam"].iloc[0]) if rep == "sparse" else None
    seed = int(table["dictionary_seed"].iloc[0]) if rep == "sparse" else None
    which = {"representation": rep, "lam": lam, "dictionary_seed": seed}
    for kind, group in table.groupby("perturbation", sort=False):
        rows.append({**which, "perturbation": kind, **summarise(group["ratio"].to_numpy())})
    ratios = table.pivot(index="sample", columns="perturbation", values="ratio")
    for first, second in PAIRS:
        pairs.append({**which, "first": first, "second": second,
                      **paired_comparison(ratios[first].to_numpy(), ratios[second].to_numpy())})
summary, paired = pd.DataFrame(rows), pd.DataFrame(pairs)
job.log.info("\n%s\n\n%s", summary.to_string(index=False), paired.to_string(index=False))
job.write_table(summary, sm.output.tsv)
job.write_table(paired, sm.output.paired)
