"""The RIP distributions of every lambda: a summary table and a figure."""

import re
from pathlib import Path

import pandas as pd

from sparsesens import figures, io
from sparsesens.logs import job_logger

sm = snakemake  # noqa: F821
log = job_logger(sm.log[0], "rip_summary")
tables = {float(re.fullmatch(r"lam_(.+)", Path(p).stem).group(1)): pd.read_csv(p, sep="\t")
          for p in sm.input.tables}
rows = []
for lam, table in sorted(tables.items()):
    row = {"lam": lam, "n_images": len(table), "median_active": table["n_active"].median()}
    for column in ("s_min", "s_max", "delta"):
        quartiles = table[column].quantile([0.25, 0.5, 0.75])
        row.update({f"{column}_q25": quartiles[0.25], f"{column}_median": quartiles[0.5],
                    f"{column}_q75": quartiles[0.75]})
    row["fraction_delta_above_half"] = float((table["delta"] > 0.5).mean())
    rows.append(row)
summary = pd.DataFrame(rows)
log.info("\n%s", summary.to_string(index=False))
with io.atomic_path(sm.output.tsv) as tmp:
    summary.to_csv(tmp, sep="\t", index=False)
with io.atomic_path(sm.output.png) as tmp:
    figures.rip_distributions(tables).savefig(tmp, dpi=120, bbox_inches="tight")
