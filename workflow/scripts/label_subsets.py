"""The labelled training images of one seed, for every number of labels per class."""

import pandas as pd

from sparsesens import io
from sparsesens.classify import labelled_subset
from sparsesens.logs import job_logger

sm = snakemake  # noqa: F821
log = job_logger(sm.log[0], "label_subsets")
_, y = io.read_split(sm.input.data, "train")
frames = []
for k in sm.params.labels_per_class:
    index = labelled_subset(y, k, sm.params.seed)
    frames.append(pd.DataFrame({"k": k, "image_index": index, "label": y[index]}))
    log.info("seed %d, %d labels per class: %d images", sm.params.seed, k, len(index))
with io.atomic_path(sm.output.tsv) as tmp:
    pd.concat(frames).to_csv(tmp, sep="\t", index=False)
