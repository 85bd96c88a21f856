"""sparsesens: sensitivity of learned sparse codes to image distortions.

The science lives here as plain functions (arrays in, arrays out); only ``sparsesens.io``
(and ``sparsesens.pipeline.runtimes``, for Snakemake's own benchmark files) touches the disk. The
Snakemake workflow in ``workflow/`` is thin glue around it.
"""

from importlib.metadata import PackageNotFoundError, version

try:  # one version, pyproject.toml's, read from the installed package's metadata
    __version__ = version("sparsesens")
except PackageNotFoundError:  # run from a source tree that was never installed
    __version__ = "unknown"
