"""One control dictionary standing in for one learned dictionary: the lambda that gives it
the learned codes' mean active atoms, and there, by the code the learned dictionary's
tables come from, its codes' directional derivatives on the shared samples, the RIP of
the first training images' active dictionaries and the analysed digit's numbers."""

import numpy as np
import pandas as pd

from sparsesens import analysis, io, remedy
from sparsesens.dictionary import max_coherence
from sparsesens.pipeline import settings
from sparsesens.pipeline.job import Job, of_dictionary
from sparsesens.sensitivity import (
    PERTURBATIONS,
    ExactEncoder,
    code_directional_derivative,
    mean_active_atoms,
    perturb_image,
    ratio_table,
)

sm = snakemake  # noqa: F821
job = Job(sm)
opts, sens, kind = sm.params.analysis, sm.params.sensitivity, sm.wildcards.kind
options = settings.encode_options(sm.params.codes, sm.params.speed.codes_chunk_size)
X, _ = io.read_split(sm.input.data, "train")
(D, _, _), (_, _, learned) = map(io.read_dictionary, (sm.input.control, sm.input.learned))
learned_codes = io.read_split_codes(sm.input.shards, learned["sha256"])["codes"]
rng = np.random.default_rng(sm.params.seed)
match = np.sort(rng.choice(len(X), min(opts["matched_images"], len(X)), replace=False))
target = float(np.diff(learned_codes[match].indptr).mean())


def mean_active(at):
    mean = mean_active_atoms(D, X[match], at, options, job.device)
    job.log.info("lambda %.4g: %.2f active atoms per image", at, mean)
    return mean


lam = sm.params.lam
matched, reached = remedy.matching_lambda(mean_active, target, lam)
job.log.info("%s control: lambda %.4g gives %.2f active atoms (the learned dictionary %.2f at "
             "%g)", kind, matched, reached, target, lam)
encoder = ExactEncoder(D, matched, options, job.device)
samples, _ = io.read_arrays(sm.input.perturbations, io.PERTURBATION_DATASETS)
dX = {k: samples[f"dx/{k}"] for k in PERTURBATIONS}
R = encoder(X[samples["image_index"]].astype(np.float64))
ratios = {k: code_directional_derivative(D, R, dX[k], device=job.device) for k in PERTURBATIONS}
sensitivity = ratio_table(samples["image_index"], ratios, encoder.certified)
n_rip = min(opts["rip_images"], len(X))
rip = pd.DataFrame(analysis.restricted_isometry(D, encoder(X[:n_rip].astype(np.float64))))
rip.insert(0, "image_index", range(n_rip))
rip["random_delta"] = analysis.random_restricted_isometry(D.shape[0], rip["n_active"],
                                                          sm.params.rip_seed)
examples = perturb_image(X, opts["digit"], sm.params.digit_seed, grid=sens["elastic_grid"],
                         sigma=sens["elastic_sigma"], order=sens["elastic_order"])
digit = analysis.digit_analysis(D, encoder(X[[opts["digit"]]].astype(np.float64))[0], examples,
                                R, dX, opts["top_pairs"], max_coherence(D))
numbers = pd.DataFrame({"quantity": list(digit.numbers), "value": list(digit.numbers.values())})
matching = {"control": kind, "lam_matched": matched, "mean_active": reached,
            "target_active": target}
for table, path in ((sensitivity, sm.output.sensitivity), (rip, sm.output.rip),
                    (numbers, sm.output.digit), (digit.spectrum, sm.output.spectrum)):
    job.write_table(of_dictionary(table, learned).assign(**matching), path)
