"""One control dictionary standing in for one learned dictionary: the lambda that gives it
the learned codes' mean active atoms, and there, by the code the learned dictionary's
tables come from, its codes' directional derivatives on the shared samples, the RIP of
the first training images' active dictionaries and the analysed and sampled digits'
numbers."""

import numpy as np

from sparsesens import analysis, controls, io, remedy
from sparsesens.pipeline import settings
from sparsesens.pipeline.job import Job, of_dictionary
from sparsesens.sensitivity import ExactEncoder, mean_active_atoms, perturb_image

sm = snakemake  # noqa: F821
job = Job(sm)
opts, sens, kind = sm.params.analysis, sm.params.sensitivity, sm.wildcards.kind
options = settings.encode_options(sm.params.codes, sm.params.speed.codes_chunk_size)
X, _ = io.read_split(sm.input.data, "train")
(D, _, attrs), (_, _, learned) = map(io.read_dictionary, (sm.input.control, sm.input.learned))
learned_codes = io.read_split_codes(sm.input.shards, learned["sha256"])["codes"]
# the sparsity is matched on images that are not the control's own atoms
unused = np.setdiff1d(np.arange(len(X)), attrs.get("atom_images", []))
rng = np.random.default_rng(sm.params.seed)
match = np.sort(rng.choice(unused, min(opts["matched_images"], len(unused)), replace=False))
target = float(np.diff(learned_codes[match].indptr).mean())


def mean_active(at):
    mean = mean_active_atoms(D, X[match], at, options, job.device)
    job.log.info("lambda %.4g: %.2f active atoms per image", at, mean)
    return mean


matched, reached = remedy.matching_lambda(mean_active, target, sm.params.lam)
job.log.info("%s control: lambda %.4g gives %.2f active atoms (the learned dictionary %.2f at "
             "%g)", kind, matched, reached, target, sm.params.lam)
samples, _ = io.read_arrays(sm.input.perturbations, io.PERTURBATION_DATASETS)
examples = perturb_image(X, opts["digit"], sm.params.digit_seed, grid=sens["elastic_grid"],
                         sigma=sens["elastic_sigma"], order=sens["elastic_order"])
tables = controls.control_analysis(
    D, X, ExactEncoder(D, matched, options, job.device), samples, examples,
    digit=opts["digit"], digit_indices=analysis.distribution_digits(
        len(X), opts["distribution_digits"], sm.params.distribution_seed, opts["digit"]),
    rip_images=opts["rip_images"], rip_seed=sm.params.rip_seed, top_pairs=opts["top_pairs"],
    device=job.device)
matching = {"control": kind, "lam_matched": matched, "mean_active": reached,
            "target_active": target}
for name, table in tables.items():
    job.write_table(of_dictionary(table, learned).assign(**matching), sm.output[name])
