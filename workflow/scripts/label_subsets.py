"""The labelled training images of one seed, for every number of labels per class."""

import pandas as pd

from sparsesens import io
from sparsesens.evaluation import labelled_subset
from sparsesens.pipeline.job import Job

sm = snakemake  # noqa: F821
job = Job(sm)
log = job.log
_, y = io.read_split(sm.input.data, "train")
frames = []
for k in sm.params.labels_per_class:
    index = labelled_subset(y, k, sm.params.seed)
    frames.append(pd.DataFrame({"seed": sm.params.seed, "k": k, "image_index": index,
                                "label": y[index]}))
    log.info("seed %d, %d labels per class: %d images", sm.params.seed, k, len(index))
job.write_table(pd.concat(frames), sm.output.tsv)
