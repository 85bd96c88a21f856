"""All evaluation runs in one tidy table, and their mean and spread over seeds."""

import pandas as pd

from sparsesens.evaluation import seed_summary
from sparsesens.pipeline.job import Job

sm = snakemake  # noqa: F821
job = Job(sm)
log = job.log
# a sparse code's run is labelled with its dictionary seed, the others' stay empty
table = pd.concat([pd.read_csv(path, sep="\t").assign(
    dictionary_seed=sm.params.dictionary_seeds[path]) for path in sm.input.runs],
    ignore_index=True)
summary = seed_summary(table, ["representation", "lam", "dictionary_seed", "classifier", "k"])
log.info("%d rows from %d runs\n%s", len(table), len(sm.input.runs),
         summary.to_string(index=False))
for name, frame in (("tsv", table), ("summary", summary)):
    job.write_table(frame, sm.output[name])
