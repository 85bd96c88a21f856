"""The first digit's numbers (Fig. 2 and 3) over many seeded training digits, with how much
of each digit's energy its reconstruction misses."""

import numpy as np

from sparsesens import analysis, io
from sparsesens.pipeline.job import Job

sm = snakemake  # noqa: F821
job = Job(sm)
D, _, dict_attrs = io.read_dictionary(sm.input.dictionary)
codes = io.read_split_codes(sm.input.shards, dict_attrs["sha256"])["codes"]
n = min(sm.params.n_digits, codes.shape[0])
indices = np.sort(np.random.default_rng(sm.params.seed).choice(codes.shape[0], n,
                                                               replace=False))
chosen = codes[indices].toarray()
table = analysis.digit_number_table(D, chosen, np.arange(n), sm.params.top_pairs)
X, _ = io.read_split(sm.input.data, "train")
error = analysis.relative_reconstruction_error(X[indices], D, chosen)
table["relative_error"] = error[table["digit"].to_numpy()]
table["digit"] = indices[table["digit"].to_numpy()]
table.insert(0, "lam", sm.params.lam)
job.log.info("%d digits (%d without a code), medians:\n%s", len(table), n - len(table),
             table.drop(columns=["lam", "digit"]).median().to_string())
job.write_table(table, sm.output.tsv)
