"""Draw the perturbation samples of Section 2.2 (the same for every representation)."""

import numpy as np

from sparsesens import io
from sparsesens.pipeline.job import Job
from sparsesens.sensitivity import PERTURBATIONS, draw_perturbations

sm = snakemake  # noqa: F821
job = Job(sm)
log = job.log
opts = sm.params.settings
X, _ = io.read_split(sm.input.data, "train")
drawn = draw_perturbations(X, opts["n_samples"], sm.params.seed, grid=opts["elastic_grid"],
                           sigma=opts["elastic_sigma"], order=opts["elastic_order"])
for kind in PERTURBATIONS:
    norms = np.linalg.norm(drawn.dx[kind], axis=1)
    log.info("%-10s %d samples, median ||dx|| %.3f", kind, len(norms), float(np.median(norms)))
io.write_arrays(sm.output.h5, {"image_index": drawn.image_index,
                               "partner_index": drawn.partner_index,
                               "displacement": drawn.displacement,
                               **{f"dx/{kind}": drawn.dx[kind] for kind in PERTURBATIONS}},
                {"seed": sm.params.seed, **opts})
