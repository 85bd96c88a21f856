"""All evaluation runs in one tidy table, and their mean, spread and 95 % interval over
seeds."""

import pandas as pd

from sparsesens.evaluation import seed_summary, with_intervals
from sparsesens.pipeline.job import Job, read_table

sm = snakemake  # noqa: F821
job = Job(sm)
log = job.log
# a sparse code's runs name their dictionary seed, the others' stay empty
table = pd.concat(map(read_table, sm.input.runs), ignore_index=True)
keys = ["representation", "lam", "dictionary_seed", "classifier", "k"]
intervals = pd.concat(map(read_table, sm.input.intervals), ignore_index=True)
summary = with_intervals(seed_summary(table, keys), intervals, keys)
table["dictionary_seed"] = table["dictionary_seed"].astype("Int64")  # written as whole numbers
log.info("%d rows from %d runs\n%s", len(table), len(sm.input.runs),
         summary.to_string(index=False))
for name, frame in (("tsv", table), ("summary", summary)):
    job.write_table(frame, sm.output[name])
