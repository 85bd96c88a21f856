"""One control dictionary (sparsesens.controls): seeded, as many atoms as the learned ones."""

import numpy as np

from sparsesens import io
from sparsesens.controls import control_dictionary
from sparsesens.dictionary import max_coherence
from sparsesens.pipeline.job import Job

sm = snakemake  # noqa: F821
job = Job(sm)
kind = sm.wildcards.kind
X, _ = io.read_split(sm.input.data, "train")
D = control_dictionary(kind, X, sm.params.n_atoms, sm.params.seed)
coherence = max_coherence(D)
job.log.info("%s control: %d atoms of %d pixels, largest coherence %.3f", kind, D.shape[1],
             D.shape[0], coherence)
io.write_dictionary(sm.output.h5, D, np.empty(0), {"control": kind, "seed": sm.params.seed,
                                                    "max_coherence": coherence})
