"""One row per lambda and split: images, active atoms, certification counts and the
certified objective (Eq. 1 per image with the exact codes; on the training split it is the
number by which dictionaries are compared)."""

import pandas as pd

from sparsesens import io
from sparsesens.pipeline.job import Job

sm = snakemake  # noqa: F821
job = Job(sm)
log = job.log
rows = []
for path in sm.input.shards:
    shard = io.read_code_shard(path)
    attrs, codes = shard["attrs"], shard["codes"]
    rows.append({"lam": float(attrs["lam"]), "split": attrs["split"], "n_images": len(codes),
                 "active_sum": int((codes != 0).sum()), "n_atoms": codes.shape[1],
                 "objective_sum": float(shard["objective"].sum()),
                 "n_failed": int(attrs["n_failed"]), "n_fallback": int(attrs["n_fallback"]),
                 "worst_inactive": float(shard["kkt_inactive"].max()),
                 "worst_active": float(shard["kkt_active"].max())})
table = (pd.DataFrame(rows).groupby(["lam", "split"], as_index=False)
         .agg(n_images=("n_images", "sum"), active_sum=("active_sum", "sum"),
              objective_sum=("objective_sum", "sum"),
              n_atoms=("n_atoms", "first"), n_failed=("n_failed", "sum"),
              n_fallback=("n_fallback", "sum"), worst_inactive=("worst_inactive", "max"),
              worst_active=("worst_active", "max")))
table["mean_active"] = table["active_sum"] / table["n_images"]
table["active_fraction"] = table["mean_active"] / table["n_atoms"]
table["certified_objective"] = table["objective_sum"] / table["n_images"]
table = table.drop(columns=["active_sum", "objective_sum"])
job.write_table(table, sm.output.tsv)
log.info("\n%s", table.to_string(index=False))
