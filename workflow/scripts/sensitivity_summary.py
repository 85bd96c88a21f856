"""Median and quartiles of the directional derivative per representation and perturbation."""

import re
from pathlib import Path

import pandas as pd

from sparsesens import io
from sparsesens.logs import job_logger
from sparsesens.sensitivity import summarise

sm = snakemake  # noqa: F821
log = job_logger(sm.log[0], "sensitivity_summary")
rows = []
for path in sm.input.tables:
    stem = Path(path).stem
    match = re.fullmatch(r"lam_(.+)", stem)
    rep, lam = ("sparse", float(match.group(1))) if match else (stem, None)
    table = pd.read_csv(path, sep="\t")
    for kind, group in table.groupby("perturbation", sort=False):
        rows.append({"representation": rep, "lam": lam, "perturbation": kind,
                     **summarise(group["ratio"].to_numpy())})
summary = pd.DataFrame(rows)
log.info("\n%s", summary.to_string(index=False))
with io.atomic_path(sm.output.tsv) as tmp:
    summary.to_csv(tmp, sep="\t", index=False)
