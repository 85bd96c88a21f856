"""Code shards (exact lasso codes in CSR form with their Eq. 9 certificate), a split's
shards joined, and the representations the evaluation reads."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence

import h5py
import numpy as np
import scipy.sparse

from sparsesens.io.data import read_split
from sparsesens.io.files import (
    REPAIR_HINT,
    CorruptFileError,
    _create,
    _load,
    _open_checked,
    atomic_path,
    read_arrays,
)

SHARD_DATASETS = ("data", "indices", "indptr", "image_index", "kkt_inactive", "kkt_active")


def write_code_shard(path: str | os.PathLike, codes: np.ndarray, image_index: np.ndarray,
                     kkt_inactive: np.ndarray, kkt_active: np.ndarray,
                     attrs: Mapping[str, object], objective: np.ndarray | None = None) -> None:
    """Write the codes of a shard of images in CSR form with their Eq. 9 certificate.

    Args:
        codes: (N, n_atoms) dense codes; stored as CSR ``data``, ``indices``, ``indptr``.
        image_index: (N,) index of each row's image in its split.
        kkt_inactive, kkt_active: (N,) the two Eq. 9 quantities of each image.
        objective: (N,) Eq. 1 of each image with its code (certified where Eq. 9 holds);
            read back as ``objective`` (NaN in shards written without it).
        attrs: file attributes (lam, split, dictionary hash, counts).
    """
    codes = np.asarray(codes, dtype=np.float64)
    rows, cols = np.nonzero(codes)
    indptr = np.zeros(codes.shape[0] + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=codes.shape[0]), out=indptr[1:])
    with atomic_path(path) as tmp, h5py.File(tmp, "w") as h5:
        _create(h5, "data", codes[rows, cols])
        _create(h5, "indices", cols.astype(np.int32))
        _create(h5, "indptr", indptr)
        _create(h5, "image_index", np.asarray(image_index, dtype=np.int64))
        _create(h5, "kkt_inactive", np.asarray(kkt_inactive, dtype=np.float64))
        _create(h5, "kkt_active", np.asarray(kkt_active, dtype=np.float64))
        if objective is not None:
            _create(h5, "objective", np.asarray(objective, dtype=np.float64))
        h5.attrs.update(dict(attrs))
        h5.attrs["shape"] = codes.shape


def read_code_shard(path: str | os.PathLike, dense: bool = True) -> dict:
    """Read a code shard: its datasets, ``attrs`` and ``codes``.

    ``codes`` is a dense float64 array, or a ``scipy.sparse.csr_array`` when ``dense`` is
    False. The CSR arrays are checked for consistency before use.
    """
    with _open_checked(path, list(SHARD_DATASETS)) as h5:
        out = {name: _load(h5, name, path) for name in SHARD_DATASETS}
        out["objective"] = (_load(h5, "objective", path) if "objective" in h5
                            else np.full(len(out["image_index"]), np.nan))
        attrs = dict(h5.attrs)
    n_rows, n_cols = (int(v) for v in attrs["shape"])
    indptr, indices = out["indptr"], out["indices"]
    if (len(indptr) != n_rows + 1 or indptr[0] != 0 or indptr[-1] != len(out["data"])
            or len(indices) != len(out["data"]) or len(out["image_index"]) != n_rows
            or np.any(np.diff(indptr) < 0)
            or (len(indices) and (indices.min() < 0 or indices.max() >= n_cols))):
        raise CorruptFileError(f"{path}: CSR arrays are inconsistent; {REPAIR_HINT}")
    codes = scipy.sparse.csr_array((out["data"], indices, indptr), shape=(n_rows, n_cols))
    out["codes"], out["attrs"] = (codes.toarray() if dense else codes), attrs
    return out


def read_split_codes(paths: Sequence[str | os.PathLike],
                     dictionary_sha256: str | None = None) -> dict:
    """Join the shards of one split: codes (CSR) in image order and their certificates.

    Args:
        paths: the split's shards, in any order.
        dictionary_sha256: when given, every shard must have been encoded with this
            dictionary (its ``dictionary_sha256`` attribute).

    Returns:
        dict with ``codes`` (``scipy.sparse.csr_array``, row i = image i of the split),
        ``kkt_inactive``, ``kkt_active`` (per image) and ``attrs`` (of the first shard).

    Raises:
        CorruptFileError: when the shards do not cover the images 0..N-1 exactly once.
    """
    shards = [read_code_shard(path, dense=False) for path in paths]
    if not shards:
        raise ValueError("no code shards given")
    if dictionary_sha256 is not None:
        stale = [str(path) for path, shard in zip(paths, shards, strict=True)
                 if shard["attrs"].get("dictionary_sha256") != dictionary_sha256]
        if stale:
            raise CorruptFileError(f"code shards {stale} were encoded with another dictionary; "
                                   "delete them and re-run")
    image_index = np.concatenate([s["image_index"] for s in shards])
    order = np.argsort(image_index, kind="stable")
    if not np.array_equal(image_index[order], np.arange(len(image_index))):
        raise CorruptFileError(f"shards {[str(p) for p in paths]} do not cover images "
                               f"0..{len(image_index) - 1} exactly once")
    codes = scipy.sparse.vstack([s["codes"] for s in shards], format="csr")[order]
    return {"codes": scipy.sparse.csr_array(codes),
            "kkt_inactive": np.concatenate([s["kkt_inactive"] for s in shards])[order],
            "kkt_active": np.concatenate([s["kkt_active"] for s in shards])[order],
            "attrs": shards[0]["attrs"]}


def read_representation(split: str, data: str | os.PathLike,
                        features: str | os.PathLike | None = None,
                        shards: Sequence[str | os.PathLike] | None = None,
                        rows: np.ndarray | None = None) -> np.ndarray:
    """One representation of a split's images (``rows`` of them, all when None), float32:
    the codes in ``shards`` when given, else the vectors of a ``features`` file (the MLP's
    hidden layer, the random net), else the pixels of ``data`` (mnist.h5)."""
    if shards is not None:
        codes = read_split_codes(shards)["codes"]
        return (codes if rows is None else codes[rows]).toarray().astype(np.float32)
    if features is not None:
        X = read_arrays(features, [split])[0][split]
    else:
        X, _ = read_split(data, split)
    return np.asarray(X if rows is None else X[rows], dtype=np.float32)
