"""sparsesens: sensitivity of learned sparse codes to image distortions.

The science lives here as plain functions (arrays in, arrays out); only ``sparsesens.io``
(and ``sparsesens.runtimes``, for Snakemake's own benchmark files) touches the disk. The
Snakemake workflow in ``workflow/`` is thin glue around it.
"""

__version__ = "0.1.0"
