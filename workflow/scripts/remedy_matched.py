"""One remedy dictionary at matched sparsity: the lambda at which its codes have as many
active atoms as the paper's dictionary's (of the same dictionary seed) at the analysis
lambda, and its codes' directional derivatives there on the shared perturbation samples."""

import numpy as np

from sparsesens import io, remedy
from sparsesens.pipeline import settings
from sparsesens.pipeline.job import Job, of_dictionary
from sparsesens.sensitivity import (
    PERTURBATIONS,
    ExactEncoder,
    code_directional_derivative,
    mean_active_atoms,
    ratio_table,
)

sm = snakemake  # noqa: F821
job = Job(sm)
lam = sm.params.lam
options = settings.encode_options(sm.params.codes, sm.params.speed.codes_chunk_size)
X, _ = io.read_split(sm.input.data, "train")
(D, _, attrs), (paper_D, _, _) = map(io.read_dictionary, (sm.input.dictionary, sm.input.paper))
rng = np.random.default_rng(sm.params.seed)
match = X[np.sort(rng.choice(len(X), min(sm.params.n_images, len(X)), replace=False))]


def mean_active(dictionary, at):
    mean = mean_active_atoms(dictionary, match, at, options, job.device)
    job.log.info("lambda %.4g: %.2f active atoms per image", at, mean)
    return mean


target = mean_active(paper_D, lam)
matched, reached = remedy.matching_lambda(lambda at: mean_active(D, at), target, lam)
job.log.info("mu %g: lambda %.4g gives %.2f active atoms (the paper's dictionary %.2f at %g)",
             attrs["orthogonality"], matched, reached, target, lam)
samples, _ = io.read_arrays(sm.input.perturbations, io.PERTURBATION_DATASETS)
index = samples["image_index"]
encoder = ExactEncoder(D, matched, options, job.device)
R = encoder(X[index].astype(np.float64))
ratios = {kind: code_directional_derivative(D, R, samples[f"dx/{kind}"]) for kind in PERTURBATIONS}
table = ratio_table(index, ratios, encoder.certified).assign(
    lam_matched=matched, mean_active=reached, target_active=target)
job.write_table(of_dictionary(table, attrs), sm.output.tsv)
