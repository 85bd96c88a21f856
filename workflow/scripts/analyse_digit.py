"""The numbers of Fig. 2 and Fig. 3: overlaps, SVD gains and amplitude spectra of one digit's
active dictionary, and the RMS amplitude spectrum over the sensitivity samples (the figures
are drawn from these tables by digit_figures)."""

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
code = codes[[digit]].toarray()[0]
examples = perturb_image(X, digit, sm.params.seed, grid=sens["elastic_grid"],
                         sigma=sens["elastic_sigma"], order=sens["elastic_order"])
samples, _ = io.read_arrays(sm.input.perturbations, io.PERTURBATION_DATASETS)
found = analysis.digit_analysis(D, code, examples, codes[samples["image_index"]].toarray(),
                                {kind: samples[f"dx/{kind}"] for kind in PERTURBATIONS},
                                opts["top_pairs"], dict_attrs["max_coherence"])
numbers = found.numbers
table = pd.DataFrame({"quantity": list(numbers), "value": list(numbers.values())})
table["paper_value"] = table["quantity"].map(paper.DIGIT)
table.insert(0, "lam", sm.params.lam)
table.insert(1, "digit", digit)
log.info("\n%s", table.to_string(index=False))
overlaps = pd.DataFrame({"atom_a": found.pairs[:, 0], "atom_b": found.pairs[:, 1],
                         "overlap": found.overlaps})
for name, frame in (("numbers", table), ("gains", found.gains), ("spectrum", found.spectrum),
                    ("overlaps", overlaps)):
    job.write_table(frame, sm.output[name])
