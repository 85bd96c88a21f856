"""The random-feature net of Eq. 8 applied to every split, in chunks."""

import time

from sparsesens import io
from sparsesens.baselines.random_net import random_features, random_net_weights
from sparsesens.pipeline.job import Job

sm = snakemake  # noqa: F821
job = Job(sm)
log = job.log
device = job.device
opts = sm.params.settings
splits = {split: io.read_split(sm.input.data, split)[0] for split in io.SPLITS}
W1, W2 = random_net_weights(splits["train"].shape[1], opts["width"], sm.params.seed)
features = {}
start = time.perf_counter()
for split, X in splits.items():
    total = len(X)

    def report(done, split=split, n=total):
        log.info("%s: %d/%d images", split, done, n)

    features[split] = random_features(X, W1, W2, chunk_size=sm.params.speed.random_net_chunk_size,
                                      device=device, progress=report)
log.info("width %d on %s: %.1f s", opts["width"], device, time.perf_counter() - start)
io.write_arrays(sm.output.h5, features,
                {"representation": "random", "seed": sm.params.seed, "width": opts["width"]})
