"""Fig. 4 (four representations) and Fig. 7 (the sparse code of every lambda), each curve
the mean over the labelled-subset seeds with a band of one standard deviation."""

import pandas as pd

from sparsesens import figures
from sparsesens.pipeline.job import Job

sm = snakemake  # noqa: F821
job = Job(sm)
runs = pd.read_csv(sm.input.runs, sep="\t")
# the sparse codes of the first dictionary seed (the other representations have none)
runs = runs[runs["dictionary_seed"].fillna(0) == 0]
lam = sm.params.lam
sparse = runs[runs.representation == "sparse"]
by_name = {name: runs[runs.representation == name] for name in ("pixels", "mlp", "random")}
fig4 = figures.evaluation_curves(
    {"pixels": by_name["pixels"], f"sparse λ = {lam:g}": sparse[sparse.lam == lam],
     "MLP hidden layer": by_name["mlp"], "random net": by_name["random"]},
    "Supervised evaluation of four representations")
fig7 = figures.evaluation_curves(
    {"pixels": by_name["pixels"],
     **{f"sparse λ = {value:g}": rows for value, rows in sparse.groupby("lam")}},
    "Supervised evaluation of the sparse code of every λ")
job.write_figure(fig4, sm.output.fig4)
job.write_figure(fig7, sm.output.fig7)
