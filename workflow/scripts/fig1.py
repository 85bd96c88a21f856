"""Fig. 1: example perturbations and sensitivity histograms (sparse code and MLP)."""

import pandas as pd

from sparsesens import figures, io
from sparsesens.pipeline.job import Job
from sparsesens.sensitivity import PERTURBATIONS

sm = snakemake  # noqa: F821
job = Job(sm)
log = job.log
X, _ = io.read_split(sm.input.data, "train")
samples, _ = io.read_arrays(sm.input.perturbations, io.PERTURBATION_DATASETS)
first = 0  # the first sample's image and its three perturbations
fig = figures.sensitivity_overview(
    X[samples["image_index"][first]], {k: samples[f"dx/{k}"][first] for k in PERTURBATIONS},
    pd.read_csv(sm.input.sparse, sep="\t"), pd.read_csv(sm.input.mlp, sep="\t"),
    sm.params.lam)
job.write_figure(fig, sm.output.png)
log.info("wrote %s", sm.output.png)
