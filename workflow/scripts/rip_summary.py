"""The RIP distributions of every lambda and dictionary seed: a summary table, and a figure
of the first seed's."""

import pandas as pd

from sparsesens import figures
from sparsesens.pipeline.job import Job, read_table

sm = snakemake  # noqa: F821
job = Job(sm)
log = job.log
# each table names its dictionary in its first columns
tables = {(float(table["lam"].iloc[0]), int(table["dictionary_seed"].iloc[0])): table
          for table in map(read_table, sm.input.tables)}
rows = []
for (lam, seed), table in sorted(tables.items()):
    row = {"lam": lam, "dictionary_seed": seed, "n_images": len(table),
           "median_active": table["n_active"].median()}
    for column in ("s_min", "s_max", "delta"):
        quartiles = table[column].quantile([0.25, 0.5, 0.75])
        row.update({f"{column}_q25": quartiles[0.25], f"{column}_median": quartiles[0.5],
                    f"{column}_q75": quartiles[0.75]})
    row["fraction_delta_above_half"] = float((table["delta"] > 0.5).mean())
    row["random_delta_median"] = float(table["random_delta"].median())
    rows.append(row)
summary = pd.DataFrame(rows)
log.info("\n%s", summary.to_string(index=False))
job.write_table(summary, sm.output.tsv)
# the figure shows the first dictionary seed's distributions
first = {lam: table for (lam, seed), table in tables.items() if seed == 0}
job.write_figure(figures.rip_distributions(first), sm.output.png)
