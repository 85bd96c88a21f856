"""Extreme singular values of each image's active dictionary, the RIP constant, and the RIP
constant of as many random atoms (the null baseline)."""

import pandas as pd

from sparsesens import analysis, io
from sparsesens.pipeline.job import Job, of_dictionary

sm = snakemake  # noqa: F821
job = Job(sm)
log = job.log
D, _, dict_attrs = io.read_dictionary(sm.input.dictionary)
codes = io.read_split_codes(sm.input.shards, dict_attrs["sha256"])["codes"]
n = min(sm.params.n_images, codes.shape[0])
table = pd.DataFrame(analysis.restricted_isometry(D, codes[:n].toarray()))
table.insert(0, "image_index", range(n))
random = analysis.random_restricted_isometry(D.shape[0], table["n_active"], sm.params.seed)
table["random_delta"], table["random_s_min"] = random["delta"], random["s_min"]
log.info("lam=%g: median s_min %.3f, s_max %.3f, delta %.3f (random atoms %.3f) over %d "
         "images", sm.params.lam, table["s_min"].median(), table["s_max"].median(),
         table["delta"].median(), table["random_delta"].median(), n)
job.write_table(of_dictionary(table, dict_attrs), sm.output.tsv)
