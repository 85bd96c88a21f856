"""The numbers of Fig. 2 and Fig. 3: overlaps, SVD gains and amplitude spectra of one digit's
active dictionary, and the RMS amplitude spectrum over the sensitivity samples (the figures
are drawn from these tables by digit_figures)."""

import numpy as np
import pandas as pd

from sparsesens import analysis, io
from sparsesens.claims import paper
from sparsesens.pipeline.job import Job
from sparsesens.sensitivity import PERTURBATIONS, perturb_image

sm = snakemake  # noqa: F821
job = Job(sm)
log = job.log
opts, sens = sm.params.analysis, sm.params.sensitivity
D, _, dict_attrs = io.read_dictionary(sm.input.dictionary)
X, _ = io.read_split(sm.input.data, "train")
codes = io.read_split_codes(sm.input.shards, dict_attrs["sha256"])["codes"]
digit = opts["digit"]
x, code = X[digit].astype(np.float64), codes[[digit]].toarray()[0]

numbers = analysis.digit_numbers(D, code, opts["top_pairs"])
numbers["max_coherence"] = float(dict_attrs["max_coherence"])
part = analysis.active_dictionary(D, code)
pairs, overlaps = analysis.pair_overlaps(D, part.active)
examples = perturb_image(X, digit, sm.params.seed, grid=sens["elastic_grid"],
                         sigma=sens["elastic_sigma"], order=sens["elastic_order"])
gains = pd.DataFrame({"rank": np.arange(1, len(part.active) + 1),
                      "singular_value": part.singular_values, "gain": part.gains})
for kind, dx in examples.items():
    overlap, null = analysis.amplitude_spectrum(part.U, dx)
    gains[f"overlap_{kind}"] = overlap
    numbers[f"digit_null_power_{kind}"] = null

# Fig. 3e: every sensitivity sample on its own active dictionary, aligned by gain rank
samples, _ = io.read_arrays(sm.input.perturbations, io.PERTURBATION_DATASETS)
sample_codes = codes[samples["image_index"]].toarray()
spectra, sample_gains = analysis.spectra_by_kind(D, sample_codes,
                                   {kind: samples[f"dx/{kind}"] for kind in PERTURBATIONS})
mean_gain, count = analysis.ragged_mean(sample_gains)
spectrum = pd.DataFrame({"rank": np.arange(1, len(count) + 1), "n_samples": count,
                         "mean_gain": mean_gain})
for kind in PERTURBATIONS:
    spectrum[f"rms_{kind}"] = analysis.rms_spectrum(spectra[kind]["spectra"])
    numbers[f"mean_null_power_{kind}"] = float(spectra[kind]["null_power"].mean())

table = pd.DataFrame({"quantity": list(numbers), "value": list(numbers.values())})
table["paper_value"] = table["quantity"].map(paper.DIGIT)
table.insert(0, "lam", sm.params.lam)
table.insert(1, "digit", digit)
log.info("\n%s", table.to_string(index=False))
for name, frame in (("numbers", table), ("gains", gains), ("spectrum", spectrum),
                    ("overlaps", pd.DataFrame({"atom_a": pairs[:, 0], "atom_b": pairs[:, 1],
                                               "overlap": overlaps}))):
    job.write_table(frame, sm.output[name])
