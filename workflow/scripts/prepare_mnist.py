"""Unpack MNIST from the wheel into one HDF5 file, keeping the configured subsets and
applying the configured pixel scaling (statistics of the kept training images)."""

from sparsesens import io
from sparsesens.job import Job
from sparsesens.preprocess import scale_pixels

sm = snakemake  # noqa: F821
job = Job(sm)
log = job.log
splits = io.load_mnist(sm.input.wheel)
kept = {}
for name, (x, y) in splits.items():
    n = sm.params.subset[name]
    kept[name] = (x, y) if n is None else (x[:n], y[:n])
    log.info("%s: %d of %d images", name, len(kept[name][1]), len(y))
scaled = scale_pixels({name: x for name, (x, _) in kept.items()}, sm.params.scaling,
                      sm.params.scale_factor)
kept = {name: (scaled[name], y) for name, (_, y) in kept.items()}
log.info("pixel scaling: %s (factor %g)", sm.params.scaling, sm.params.scale_factor)
io.write_mnist_h5(sm.output.h5, kept, {
    "source": f"{io.MNIST_REQUIREMENT} wheel, {io.MNIST_MEMBER}",
    "sha256": io.MNIST_SHA256,
    "subset": "first N images of each split: "
              + ", ".join(f"{k}={v}" for k, v in sm.params.subset.items()),
    "scaling": sm.params.scaling,
    "scale_factor": sm.params.scale_factor,
})
log.info("wrote %s", sm.output.h5)
