"""Learned dictionaries: the atoms, the learner's objective curve and its wall times."""

from __future__ import annotations

import os
from collections.abc import Mapping

import h5py
import numpy as np

from sparsesens.io.files import (
    REPAIR_HINT,
    CorruptFileError,
    _create,
    _load,
    _open_checked,
    array_sha256,
    atomic_path,
)


def write_dictionary(path: str | os.PathLike, D: np.ndarray, loss: np.ndarray,
                     attrs: Mapping[str, object], seconds: np.ndarray | None = None) -> None:
    """Write a learned dictionary: ``D`` (m, n) float64, the ``loss`` curve (Eq. 1 per
    image after each iteration or epoch), the wall time of each point of the curve
    (``seconds``, optional) and attributes."""
    with atomic_path(path) as tmp, h5py.File(tmp, "w") as h5:
        _create(h5, "D", np.asarray(D, dtype=np.float64))
        _create(h5, "loss", np.asarray(loss, dtype=np.float64))
        if seconds is not None:
            _create(h5, "seconds", np.asarray(seconds, dtype=np.float64))
        h5.attrs.update(dict(attrs))
        h5.attrs["sha256"] = array_sha256(D)


def read_dictionary(path: str | os.PathLike) -> tuple[np.ndarray, np.ndarray, dict]:
    """``(D, loss, attrs)`` of a dictionary file, checking ``D`` against its stored hash."""
    with _open_checked(path, ["D", "loss"]) as h5:
        D, loss, attrs = _load(h5, "D", path), _load(h5, "loss", path), dict(h5.attrs)
    if attrs.get("sha256") != array_sha256(D):
        raise CorruptFileError(f"{path}: D does not match its stored sha256; {REPAIR_HINT}")
    return D, loss, attrs


def read_learning_curve(path: str | os.PathLike) -> tuple[np.ndarray, np.ndarray]:
    """``(loss, seconds)`` of a dictionary file: its learner's objective per image and the
    wall time of each point (NaN where the file has no times)."""
    with _open_checked(path, ["loss"]) as h5:
        loss = _load(h5, "loss", path)
        seconds = (_load(h5, "seconds", path) if "seconds" in h5
                   else np.full(len(loss), np.nan))
    return loss, seconds
