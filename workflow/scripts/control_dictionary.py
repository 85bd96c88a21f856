"""One control dictionary (sparsesens.controls): seeded, as many atoms as the learned ones;
the images control draws none of the images that the analysis encodes."""

import numpy as np

from sparsesens import analysis, io
from sparsesens.controls import atom_images, control_dictionary
from sparsesens.dictionary import max_coherence
from sparsesens.pipeline.job import Job

sm = snakemake  # noqa: F821
job = Job(sm)
kind, opts = sm.wildcards.kind, sm.params.analysis
X, _ = io.read_split(sm.input.data, "train")
samples, _ = io.read_arrays(sm.input.perturbations, ["image_index"])
encoded = np.unique(np.concatenate([
    samples["image_index"], np.arange(min(opts["rip_images"], len(X))),
    analysis.distribution_digits(len(X), opts["distribution_digits"],
                                 sm.params.distribution_seed, opts["digit"])]))
D = control_dictionary(kind, X, sm.params.n_atoms, sm.params.seed, exclude=encoded)
attrs = {"control": kind, "seed": sm.params.seed, "max_coherence": max_coherence(D)}
if kind == "images":
    attrs["atom_images"] = atom_images(len(X), sm.params.n_atoms, sm.params.seed, encoded)
job.log.info("%s control: %d atoms of %d pixels, largest coherence %.3f (%d analysed images "
             "left out)", kind, D.shape[1], D.shape[0], attrs["max_coherence"], len(encoded))
io.write_dictionary(sm.output.h5, D, np.empty(0), attrs)
