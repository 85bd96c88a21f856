"""Fig. 2 and Fig. 3 of the analysed digit, from the tables analyse_digit wrote: its
overlaps and numbers (Fig. 2), its singular vectors, the same perturbation examples and the
RMS spectrum over the sensitivity samples (Fig. 3)."""

import numpy as np

from sparsesens import analysis, figures, io
from sparsesens.pipeline.job import Job, read_table
from sparsesens.sensitivity import perturb_image

sm = snakemake  # noqa: F821
job = Job(sm)
opts, sens = sm.params.analysis, sm.params.sensitivity
D, _, attrs = io.read_dictionary(sm.input.dictionary)
X, _ = io.read_split(sm.input.data, "train")
digit = opts["digit"]
code = io.read_split_codes(sm.input.shards, attrs["sha256"])["codes"][[digit]].toarray()[0]
x = X[digit].astype(np.float64)
numbers = dict(zip(*(read_table(sm.input.numbers)[c] for c in ("quantity", "value")),
                   strict=True))
overlaps = read_table(sm.input.overlaps)
part = analysis.active_dictionary(D, code)
# the examples analyse_digit drew: the same seed and settings
examples = perturb_image(X, digit, sm.params.seed, grid=sens["elastic_grid"],
                         sigma=sens["elastic_sigma"], order=sens["elastic_order"])
fig2 = figures.digit_overlaps(x, D, code, overlaps[["atom_a", "atom_b"]].to_numpy(),
                              overlaps["overlap"].to_numpy(), numbers,
                              n_pairs=opts["top_pairs"])
job.write_figure(fig2, sm.output.fig2)
fig3 = figures.singular_vectors(x, part.U, part.gains, examples, read_table(sm.input.spectrum))
job.write_figure(fig3, sm.output.fig3)
