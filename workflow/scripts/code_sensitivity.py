"""Directional derivatives of one lambda's exact codes on the shared perturbation samples."""

import numpy as np

from sparsesens import io
from sparsesens.lasso import passes_eq9
from sparsesens.pipeline.job import Job, of_dictionary
from sparsesens.sensitivity import PERTURBATIONS, code_directional_derivative, ratio_table

sm = snakemake  # noqa: F821
job = Job(sm)
log = job.log
tol = sm.params.codes
D, _, dict_attrs = io.read_dictionary(sm.input.dictionary)
samples, _ = io.read_arrays(sm.input.perturbations, io.PERTURBATION_DATASETS)
codes = io.read_split_codes(sm.input.shards, dict_attrs["sha256"])
index = samples["image_index"]
R = codes["codes"][index].toarray()
certified = passes_eq9(codes["kkt_inactive"][index], codes["kkt_active"][index],
                       tol["tol_inactive"], tol["tol_active"])
if not certified.all():
    log.warning("%d of %d sampled codes fail Eq. 9; kept and marked in the table",
                (~certified).sum(), len(certified))
ratios = {kind: code_directional_derivative(D, R, samples[f"dx/{kind}"]) for kind in PERTURBATIONS}
for kind, values in ratios.items():
    log.info("lam=%g %-10s median ratio %.4f", sm.params.lam, kind, float(np.median(values)))
table = ratio_table(index, ratios, certified)
job.write_table(of_dictionary(table, dict_attrs), sm.output.tsv)
