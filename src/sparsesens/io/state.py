"""The online learner's state, kept while a dictionary job runs (with the fingerprint of
the run it belongs to)."""

from __future__ import annotations

import os
from pathlib import Path

import h5py
import numpy as np

from sparsesens.io.files import CorruptFileError, _load, write_arrays


def write_learner_state(path: str | os.PathLike, state: object, fingerprint: str) -> None:
    """Keep the online learner's state (:class:`sparsesens.dictionary.online.LearnerState`)
    for a later run to resume: its arrays as datasets, its numbers as attributes, with the
    ``fingerprint`` of the run it belongs to."""
    fields = {name: value for name, value in vars(state).items() if value is not None}
    arrays = {name: value for name, value in fields.items() if isinstance(value, np.ndarray)}
    numbers = {name: value for name, value in fields.items() if name not in arrays}
    write_arrays(path, arrays, {**numbers, "fingerprint": fingerprint})


def read_learner_state(path: str | os.PathLike, fingerprint: str
                       ) -> tuple[dict[str, object] | None, str]:
    """``(fields, why)``: the fields of a state kept by :func:`write_learner_state` when
    ``path`` holds one of the run named by ``fingerprint``; otherwise None and why not
    (absent, kept for another run, or unreadable: a fresh start is then the answer)."""
    path = Path(path)
    if not path.exists():
        return None, f"no kept state at {path}"
    try:
        with h5py.File(path, "r") as h5:
            numbers = {name: value.item() if isinstance(value, np.generic) else value
                       for name, value in h5.attrs.items()}
            if numbers.pop("fingerprint", None) != fingerprint:
                return None, f"{path} was kept by a run of other settings, data or code"
            arrays = {name: _load(h5, name, path) for name in h5}
    except (OSError, KeyError, CorruptFileError) as err:
        return None, f"{path} is unreadable ({err})"
    return {**arrays, **numbers}, f"resuming from {path}"
