"""The remedy table (one row per dictionary seed and overlap penalty mu) and the accuracy at
every label count, with each penalty also at matched sparsity. Each input says which
dictionary it is from: the dictionaries by their record, the code shards by their
dictionary's hash, the tables by their columns mu and dictionary_seed."""

import pandas as pd

from sparsesens import io, remedy
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
    codes = io.read_split_codes(shards[attrs["sha256"]], attrs["sha256"])["codes"]
    row, of_seeds = remedy.remedy_row(X, D, codes, record, tables, opts["digit"],
                                      opts["top_pairs"])
    rows.append(row)
    accuracy.append(of_seeds)
    job.log.info("seed %d, mu %g: %s", record.seed, record.mu,
                 ", ".join(f"{k} {v:.4g}" for k, v in row.items()))
accuracy = pd.concat(accuracy, ignore_index=True)
table = remedy.remedy_table(rows, accuracy)
job.write_table(table, sm.output.tsv)
job.write_table(accuracy, sm.output.accuracy)
