"""Whether a file of any kind is intact: what `make repair` asks of every HDF5 file."""

from __future__ import annotations

import os
from pathlib import Path

from sparsesens.io.codes import read_code_shard
from sparsesens.io.dictionaries import read_dictionary
from sparsesens.io.files import CorruptFileError, verify_file


def remove_if_corrupt(path: str | os.PathLike) -> str | None:
    """Delete an HDF5 file of the project that cannot be read back intact.

    A file changed after it was written (truncated, overwritten in place) still looks
    complete to Snakemake (it exists, with an old enough time stamp). `make repair`
    (:mod:`sparsesens.pipeline.repair`) calls this on the HDF5 files of a results root, so that the
    next run rebuilds what was damaged. Every dataset must match its content hash; a
    dictionary must also match its own ``sha256`` attribute and a code shard must hold
    consistent CSR arrays.

    Returns:
        Why the file was removed, or None when it is intact (or absent).
    """
    path = Path(path)
    if not path.exists():
        return None
    try:
        verify_file(path)
        if path.parent.name == "dictionaries":
            read_dictionary(path)
        elif path.parent.parent.name == "codes":
            read_code_shard(path, dense=False)
    except (CorruptFileError, OSError, KeyError, ValueError) as err:
        path.unlink()
        return str(err)
    return None
