"""Fig. 6 (sensitivity histograms for every lambda) and the finite-perturbation figure."""

import re
from pathlib import Path

import pandas as pd

from sparsesens import figures, io
from sparsesens.logs import job_logger

sm = snakemake  # noqa: F821
log = job_logger(sm.log[0], "fig6")


def by_lambda(paths):
    return {float(re.fullmatch(r"lam_(.+)", Path(p).stem).group(1)): pd.read_csv(p, sep="\t")
            for p in paths}


for name, fig in [("histograms", figures.sensitivity_per_lambda(by_lambda(sm.input.tables))),
                  ("finite", figures.finite_perturbations(by_lambda(sm.input.finite)))]:
    with io.atomic_path(sm.output[name]) as tmp:
        fig.savefig(tmp, dpi=120, bbox_inches="tight")
    log.info("wrote %s", sm.output[name])
