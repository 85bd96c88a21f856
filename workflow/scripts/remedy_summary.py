"""The remedy table (one row per overlap penalty mu), the accuracy at every label count,
and the remedy figure."""

import numpy as np
import pandas as pd

from sparsesens import figures, io, remedy
from sparsesens.classify import seed_summary
from sparsesens.job import Job, read_table

sm = snakemake  # noqa: F821
job = Job(sm)
mus, lam, opts = sm.params.mus, sm.params.lam, sm.params.analysis
X, _ = io.read_split(sm.input.data, "train")
shards = np.array_split(np.asarray(sm.input.shards, dtype=object), len(mus))
evaluations = np.array_split(np.asarray(sm.input.evaluation, dtype=object), len(mus))
rows, accuracy = [], []
for i, mu in enumerate(mus):
    D, _, attrs = io.read_dictionary(sm.input.dictionaries[i])
    codes = io.read_split_codes(list(shards[i]), attrs["sha256"])["codes"]
    row = {"mu": mu, **remedy.dictionary_quantities(X, D, codes, lam, opts["digit"],
                                                    opts["top_pairs"])}
    row |= remedy.sensitivity_medians(read_table(sm.input.sensitivity[i]))
    row["rip_delta_median"] = float(read_table(sm.input.rip[i])["delta"].median())
    rows.append(row)
    runs = pd.concat([read_table(path) for path in evaluations[i]], ignore_index=True)
    accuracy.append(seed_summary(runs, ["classifier", "k"]).assign(mu=mu))
    job.log.info("mu %g: %s", mu, ", ".join(f"{k} {v:.4g}" for k, v in row.items()))
accuracy = pd.concat(accuracy, ignore_index=True)
table = remedy.remedy_table(rows, accuracy)
job.write_table(table, sm.output.tsv)
job.write_table(accuracy, sm.output.accuracy)
job.write_figure(figures.remedy_curves(table), sm.output.png)
