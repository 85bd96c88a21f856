"""Eq. 5 on the learned dictionary: the response to dx along d_1 - d_2 and along d_1 for
many pairs of active filters over many images, by the Jacobian and by re-encoding."""

import numpy as np

from sparsesens import analysis, io
from sparsesens.pipeline import settings
from sparsesens.pipeline.job import Job
from sparsesens.sensitivity import (
    ExactEncoder,
    code_directional_derivative,
    finite_difference_ratio,
)

sm = snakemake  # noqa: F821
job = Job(sm)
opts, lam = sm.params.analysis, sm.params.lam
D, _, _ = io.read_dictionary(sm.input.dictionary)
X, _ = io.read_split(sm.input.data, "train")
samples, _ = io.read_arrays(sm.input.perturbations, ["image_index"])
exact_codes = ExactEncoder(D, lam, settings.encode_options(
    sm.params.codes, sm.params.speed.codes_chunk_size), job.device)
index = samples["image_index"][:opts["eq5_images"]]
x = X[index].astype(np.float64)
base = exact_codes(x)
table = analysis.sample_active_pairs(D, base, opts["eq5_pairs_per_image"],
                                     np.random.default_rng(sm.params.seed))
table.insert(1, "image_index", index[table["sample"]])
table["certified"] = exact_codes.certified[table["sample"]]
codes, images = base[table["sample"]], x[table["sample"]]
table["predicted"] = analysis.eq5_prediction(table["overlap"])
for prefix, directions in (("", D[:, table["atom_a"]] - D[:, table["atom_b"]]),
                           ("single_", D[:, table["atom_a"]])):
    table[f"{prefix}jacobian_ratio"] = code_directional_derivative(D, codes, directions.T,
                                                                   device=job.device)
    table[f"{prefix}finite_ratio"] = finite_difference_ratio(exact_codes, images, codes,
                                                             directions.T, opts["eq5_eps"])
for column in ("jacobian_ratio", "finite_ratio"):
    error = np.abs(table[column] / table["predicted"] - 1)
    job.log.info("%s against Eq. 5: median relative error %.2e, worst %.2e", column,
                 error.median(), error.max())
job.log.info("single filter: worst |ratio - 1| Jacobian %.2e, finite %.2e",
             np.abs(table["single_jacobian_ratio"] - 1).max(),
             np.abs(table["single_finite_ratio"] - 1).max())
job.write_table(table, sm.output.tsv)
