"""Fig. 4 (four representations) and Fig. 7 (the sparse code of every lambda)."""

import pandas as pd

from sparsesens import figures, io
from sparsesens.logs import job_logger

sm = snakemake  # noqa: F821
log = job_logger(sm.log[0], "fig4")
summary = pd.read_csv(sm.input.summary, sep="\t")
lam = sm.params.lam
sparse = summary[summary.representation == "sparse"]
by_name = {name: summary[summary.representation == name] for name in ("pixels", "mlp", "random")}
fig4 = figures.evaluation_curves(
    {"pixels": by_name["pixels"], f"sparse λ = {lam:g}": sparse[sparse.lam == lam],
     "MLP hidden layer": by_name["mlp"], "random net": by_name["random"]},
    "Supervised evaluation of four representations")
fig7 = figures.evaluation_curves(
    {"pixels": by_name["pixels"],
     **{f"sparse λ = {value:g}": rows for value, rows in sparse.groupby("lam")}},
    "Supervised evaluation of the sparse code of every λ")
for name, fig in (("fig4", fig4), ("fig7", fig7)):
    with io.atomic_path(sm.output[name]) as tmp:
        fig.savefig(tmp, dpi=120, bbox_inches="tight")
    log.info("wrote %s", sm.output[name])
