"""The remedy table (one row per dictionary seed and overlap penalty mu), the accuracy at
every label count, and the remedy figure (the first seed's), with each penalty also at
matched sparsity. Each input says which dictionary it is from: the dictionaries by their
record, the code shards by their dictionary's hash, the tables by their columns mu and
dictionary_seed."""

import numpy as np
import pandas as pd

from sparsesens import figures, io, remedy
from sparsesens.evaluation import seed_summary
from sparsesens.pipeline.job import Job, read_table
from sparsesens.records import DictionaryRecord

sm = snakemake  # noqa: F821
job = Job(sm)
opts = sm.params.analysis
X, _ = io.read_split(sm.input.data, "train")
shards = {}  # dictionary hash -> its training code shards
for path in sm.input.shards:
    shards.setdefault(io.read_attrs(path)["dictionary_sha256"], []).append(path)
tables = {name: pd.concat(map(read_table, getattr(sm.input, name)), ignore_index=True)
          for name in ("sensitivity", "rip", "matched", "evaluation")}
rows, accuracy = [], []
for path in sm.input.dictionaries:
    D, _, attrs = io.read_dictionary(path)
    record = DictionaryRecord.from_attrs(attrs, path)
    lam, mu, seed = record.lam, record.mu, record.seed
    of = {name: table[np.isclose(table["mu"], mu) & (table["dictionary_seed"] == seed)]
          for name, table in tables.items()}
    codes = io.read_split_codes(shards[attrs["sha256"]], attrs["sha256"])["codes"]
    row = {"dictionary_seed": seed, "mu": mu,
           **remedy.dictionary_quantities(X, D, codes, lam, opts["digit"], opts["top_pairs"])}
    row |= remedy.sensitivity_medians(of["sensitivity"])
    row["rip_delta_median"] = float(of["rip"]["delta"].median())
    if mu > 0:  # at the lambda where its codes are as sparse as the same seed's paper's
        sensitivity = tables["sensitivity"]
        paper = sensitivity[(sensitivity["mu"] == 0) & (sensitivity["dictionary_seed"] == seed)]
        row |= remedy.matched_quantities(paper, of["matched"])
    rows.append(row)
    accuracy.append(seed_summary(of["evaluation"], ["classifier", "k"]).assign(
        mu=mu, dictionary_seed=seed))
    job.log.info("seed %d, mu %g: %s", seed, mu,
                 ", ".join(f"{k} {v:.4g}" for k, v in row.items()))
accuracy = pd.concat(accuracy, ignore_index=True)
table = remedy.remedy_table(rows, accuracy)
job.write_table(table, sm.output.tsv)
job.write_table(accuracy, sm.output.accuracy)
job.write_figure(figures.remedy_curves(table[table["dictionary_seed"] == 0]), sm.output.png)
