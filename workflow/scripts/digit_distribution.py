"""The first digit's numbers (Fig. 2 and 3) over many seeded training digits, with how much
of each digit's energy its reconstruction misses, in every dictionary seed's codes."""

import pandas as pd

from sparsesens import analysis, io
from sparsesens.pipeline.job import Job, of_dictionary
from sparsesens.records import DictionaryRecord

sm = snakemake  # noqa: F821
job = Job(sm)
X, _ = io.read_split(sm.input.data, "train")
indices = analysis.distribution_digits(len(X), sm.params.n_digits, sm.params.seed,
                                       sm.params.digit)
tables = []
for i, path in enumerate(sm.input.dictionaries):
    D, _, attrs = io.read_dictionary(path)
    shards = sm.input.shards[i * sm.params.n_shards:(i + 1) * sm.params.n_shards]
    codes = io.read_split_codes(shards, attrs["sha256"])["codes"]
    table = analysis.digit_distribution(D, X[indices], codes[indices].toarray(), indices,
                                        sm.params.top_pairs)
    job.log.info("dictionary seed %d: %d digits (%d without a code), medians:\n%s",
                 DictionaryRecord.from_attrs(attrs, path).seed, len(table),
                 len(indices) - len(table), table.drop(columns="digit").median().to_string())
    tables.append(of_dictionary(table, attrs))
job.write_table(pd.concat(tables, ignore_index=True), sm.output.tsv)
