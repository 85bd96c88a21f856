"""All evaluation runs in one tidy table, and their mean and spread over seeds."""

import pandas as pd

from sparsesens.evaluation import seed_summary
from sparsesens.pipeline.job import Job, read_table

sm = snakemake  # noqa: F821
job = Job(sm)
log = job.log
# a sparse code's runs name their dictionary seed, the others' stay empty
table = pd.concat(map(read_table, sm.input.runs), ignore_index=True)
summary = seed_summary(table, ["representation", "lam", "dictionary_seed", "classifier", "k"])
table["dictionary_seed"] = table["dictionary_seed"].astype("Int64")  # written as whole numbers
log.info("%d rows from %d runs\n%s", len(table), len(sm.input.runs),
         summary.to_string(index=False))
for name, frame in (("tsv", table), ("summary", summary)):
    job.write_table(frame, sm.output[name])
