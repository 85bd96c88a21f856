"""All evaluation runs in one tidy table, and their mean and spread over seeds."""

import pandas as pd

from sparsesens.job import Job

sm = snakemake  # noqa: F821
job = Job(sm)
log = job.log
table = pd.concat([pd.read_csv(path, sep="\t") for path in sm.input.runs], ignore_index=True)
keys = ["representation", "lam", "classifier", "k"]
summary = (table.groupby(keys, dropna=False)
           .agg(n_seeds=("seed", "nunique"), train_mean=("train_acc", "mean"),
                train_std=("train_acc", "std"), test_mean=("test_acc", "mean"),
                test_std=("test_acc", "std"))
           .reset_index())
log.info("%d rows from %d runs\n%s", len(table), len(sm.input.runs),
         summary.to_string(index=False))
for name, frame in (("tsv", table), ("summary", summary)):
    job.write_table(frame, sm.output[name])
