"""Fig. 5: learned atoms per lambda, active fraction per lambda, dictionary loss curves."""

import pandas as pd

from sparsesens import figures, io
from sparsesens.pipeline.job import Job

sm = snakemake  # noqa: F821
job = Job(sm)
log = job.log
dictionaries, steps, capped = {}, set(), set()
for path in sm.input.dictionaries:
    D, loss, attrs = io.read_dictionary(path)
    dictionaries[float(attrs["lam"])] = (D, loss)
    steps.add("epoch" if "epochs" in attrs else "iteration")
    if not attrs["converged"]:
        capped.add(float(attrs["lam"]))
        log.warning("lambda %g: the learner stopped at its cap, not converged", attrs["lam"])
summary = pd.read_csv(sm.input.summary, sep="\t")
for name, fig in [("atoms", figures.atom_grids({k: v[0] for k, v in dictionaries.items()})),
                  ("active", figures.active_fraction(summary)),
                  ("loss", figures.loss_curves({k: v[1] for k, v in dictionaries.items()},
                                             " or ".join(sorted(steps)), capped))]:
    job.write_figure(fig, sm.output[name])
