"""Eq. 5 on the learned dictionary: the response to dx along d_1 - d_2 and along d_1 for
many pairs of active filters over many images, by the Jacobian and by re-encoding."""

import numpy as np
import pandas as pd
import torch

from sparsesens import analysis, figures, io, settings
from sparsesens.device import resolve_device
from sparsesens.lasso import encode
from sparsesens.logs import job_logger
from sparsesens.sensitivity import code_directional_derivative, finite_difference_ratio

sm = snakemake  # noqa: F821
log = job_logger(sm.log[0], "eq5_check")
torch.set_num_threads(sm.threads)
device = resolve_device(sm.params.device)
opts, codes_opts, lam = sm.params.analysis, sm.params.codes, sm.params.lam
D, _, _ = io.read_dictionary(sm.input.dictionary)
X, _ = io.read_split(sm.input.data, "train")
samples, _ = io.read_arrays(sm.input.perturbations, ["image_index"])
rng = np.random.default_rng(sm.params.seed)


def exact_codes(images):
    options = settings.encode_options(codes_opts, sm.config["codes"]["batch_size"])
    return encode(images, D, lam, device=device, **options)


index = samples["image_index"][:opts["eq5_images"]]
x = X[index].astype(np.float64)
base = exact_codes(x)
rows = []
for row, code in enumerate(base.codes):
    pairs, overlaps = analysis.pair_overlaps(D, np.flatnonzero(code))
    if len(pairs) == 0:
        continue
    # half the most overlapping pairs (the sensitive ones), half drawn at random
    n = opts["eq5_pairs_per_image"]
    chosen = np.unique(np.concatenate([np.arange(min(n // 2, len(pairs))),
                                       rng.choice(len(pairs), min(n - n // 2, len(pairs)),
                                                  replace=False)]))
    for (a, b), overlap in zip(pairs[chosen], overlaps[chosen], strict=True):
        rows.append({"sample": row, "image_index": index[row], "atom_a": a, "atom_b": b,
                     "overlap": overlap})
table = pd.DataFrame(rows)
codes = base.codes[table["sample"]]
images = x[table["sample"]]
difference = (D[:, table["atom_a"]] - D[:, table["atom_b"]]).T
single = D[:, table["atom_a"]].T
eps = opts["eq5_eps"]
table["predicted"] = analysis.eq5_prediction(table["overlap"])
table["jacobian_ratio"] = code_directional_derivative(D, codes, difference, device=device)
table["finite_ratio"] = finite_difference_ratio(lambda z: exact_codes(z).codes, images, codes,
                                                difference, eps)
table["single_jacobian_ratio"] = code_directional_derivative(D, codes, single, device=device)
table["single_finite_ratio"] = finite_difference_ratio(lambda z: exact_codes(z).codes, images,
                                                       codes, single, eps)
table["certified"] = base.certified[table["sample"]]
for column, target in (("jacobian_ratio", "predicted"), ("finite_ratio", "predicted")):
    error = np.abs(table[column] / table[target] - 1)
    log.info("%s against Eq. 5: median relative error %.2e, worst %.2e", column,
             error.median(), error.max())
log.info("single filter: worst |ratio - 1| Jacobian %.2e, finite %.2e",
         np.abs(table["single_jacobian_ratio"] - 1).max(),
         np.abs(table["single_finite_ratio"] - 1).max())
with io.atomic_path(sm.output.tsv) as tmp:
    table.to_csv(tmp, sep="\t", index=False)
with io.atomic_path(sm.output.png) as tmp:
    figures.eq5_scatter(table).savefig(tmp, dpi=120, bbox_inches="tight")
