"""Directional derivatives of the MLP hidden layer on the shared perturbation samples."""

import numpy as np
import torch

from sparsesens import io
from sparsesens.baselines.mlp import first_layer, from_state_dict
from sparsesens.pipeline.job import Job
from sparsesens.sensitivity import PERTURBATIONS, mlp_directional_derivative, ratio_table

sm = snakemake  # noqa: F821
job = Job(sm)
log = job.log
model = from_state_dict(torch.load(sm.input.model, map_location="cpu", weights_only=True))
W1, b1 = first_layer(model)
X, _ = io.read_split(sm.input.data, "train")
samples, _ = io.read_arrays(sm.input.perturbations, io.PERTURBATION_DATASETS)
index = samples["image_index"]
ratios = {kind: mlp_directional_derivative(W1, b1, X[index], samples[f"dx/{kind}"])
          for kind in PERTURBATIONS}
for kind, values in ratios.items():
    log.info("mlp %-10s median ratio %.4f", kind, float(np.median(values)))
job.write_table(ratio_table(index, ratios), sm.output.tsv)
