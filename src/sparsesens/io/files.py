"""Files of the project on disk: atomic writes, content hashes checked on every read,
the one error a damaged file raises, and small files of named arrays (the perturbations)."""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

import h5py
import numpy as np

# what a job that meets a damaged file tells its user
REPAIR_HINT = ("`make repair` (python -m sparsesens.pipeline.repair RESULTS_ROOT) removes it, "
               "then snakemake rebuilds it")


class CorruptFileError(ValueError):
    """An HDF5 file of the project is missing datasets or attributes, is unreadable, or
    holds an array that does not match its stored content hash."""


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
    except OSError as err:
        # HDF5 reports a full disk in its own words, with the temporary name: say which
        # file could not be written
        if err.errno == errno.ENOSPC or "No space left on device" in str(err):
            raise OSError(errno.ENOSPC, f"no space left on the device for {path}; free some "
                          "and run again (nothing was written under that name)") from err
        raise
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


def array_sha256(array: np.ndarray) -> str:
    """SHA-256 of an array's float64, C-ordered bytes (stable across file layouts)."""
    return hashlib.sha256(np.ascontiguousarray(array, dtype=np.float64).tobytes()).hexdigest()


def read_attrs(path: str | os.PathLike) -> dict:
    """The attributes of an HDF5 file written here, without reading (or checking) its
    arrays: what a script reads to tell files apart before it reads them."""
    with _open_checked(path, []) as h5:
        return dict(h5.attrs)


PERTURBATION_DATASETS = ("image_index", "partner_index", "displacement", "dx/noise", "dx/swap",
                         "dx/distortion")


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
