"""The remedy table (one row per overlap penalty mu), the accuracy at every label count,
and the remedy figure, with each penalty also at matched sparsity. Each input says which
dictionary it is from: the dictionaries by their attributes, the code shards by their
dictionary's hash, the tables by their column mu."""

import numpy as np
import pandas as pd

from sparsesens import figures, io, remedy
from sparsesens.classify import seed_summary
from sparsesens.job import Job, read_table

sm = snakemake  # noqa: F821
job = Job(sm)
opts = sm.params.analysis
X, _ = io.read_split(sm.input.data, "train")
shards = {}  # dictionary hash -> its training code shards
for path in sm.input.shards:
    shards.setdefault(io.read_attrs(path)["dictionary_sha256"], []).append(path)
tables = {name: pd.concat(map(read_table, getattr(sm.input, name)), ignore_index=True)
          for name in ("sensitivity", "rip", "evaluation", "matched")}
paper = tables["sensitivity"][tables["sensitivity"]["mu"] == 0]
rows, accuracy = [], []
for path in sm.input.dictionaries:
    D, _, attrs = io.read_dictionary(path)
    lam, mu = float(attrs["lam"]), float(attrs.get("orthogonality", 0.0))
    of_mu = {name: table[np.isclose(table["mu"], mu)] for name, table in tables.items()}
    codes = io.read_split_codes(shards[attrs["sha256"]], attrs["sha256"])["codes"]
    row = {"mu": mu, **remedy.dictionary_quantities(X, D, codes, lam, opts["digit"],
                                                    opts["top_pairs"])}
    row |= remedy.sensitivity_medians(of_mu["sensitivity"])
    row["rip_delta_median"] = float(of_mu["rip"]["delta"].median())
    if mu > 0:  # at the lambda where its codes are as sparse as the paper's
        row |= remedy.matched_quantities(paper, of_mu["matched"])
    rows.append(row)
    accuracy.append(seed_summary(of_mu["evaluation"], ["classifier", "k"]).assign(mu=mu))
    job.log.info("mu %g: %s", mu, ", ".join(f"{k} {v:.4g}" for k, v in row.items()))
accuracy = pd.concat(accuracy, ignore_index=True)
table = remedy.remedy_table(rows, accuracy)
job.write_table(table, sm.output.tsv)
job.write_table(accuracy, sm.output.accuracy)
job.write_figure(figures.remedy_curves(table), sm.output.png)
