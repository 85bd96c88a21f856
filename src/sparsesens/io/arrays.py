"""An image data set of any size from one NumPy ``.npz`` file: the ``arrays`` source.

The file holds six arrays, ``train_images``, ``train_labels``, ``valid_images``,
``valid_labels``, ``test_images`` and ``test_labels``: square images ``(N, side, side)``
(uint8, divided by 255, or floats in [0, 1]) and integer labels ``0..K-1`` ``(N,)``. The
side and the counts are read from the file; its SHA-256 is checked when the configuration
gives one, and recorded in the data set file either way.
"""

from __future__ import annotations

import os
import zipfile

import numpy as np

from sparsesens.io.data import SPLITS
from sparsesens.io.files import CorruptFileError, file_sha256

ARRAY_NAMES = tuple(f"{split}_{kind}" for split in SPLITS for kind in ("images", "labels"))


def array_shapes(path: str | os.PathLike) -> dict[str, tuple[int, ...]]:
    """The shape of each array of an ``.npz`` file, read from the headers alone (the
    workflow plans its jobs from the counts before any job reads the images)."""
    try:
        with zipfile.ZipFile(path) as archive:
            shapes = {}
            for member in archive.namelist():
                with archive.open(member) as handle:
                    version = np.lib.format.read_magic(handle)
                    read_header = (np.lib.format.read_array_header_1_0 if version == (1, 0)
                                   else np.lib.format.read_array_header_2_0)
                    shape, _, _ = read_header(handle)
                shapes[member.removesuffix(".npy")] = tuple(shape)
    except (OSError, zipfile.BadZipFile, ValueError) as err:
        raise CorruptFileError(f"{path}: not a readable .npz file ({err})") from err
    missing = [name for name in ARRAY_NAMES if name not in shapes]
    if missing:
        raise CorruptFileError(f"{path} lacks the arrays {missing}; an arrays data set holds "
                               f"{', '.join(ARRAY_NAMES)}")
    return shapes


def array_split_sizes(path: str | os.PathLike) -> dict[str, int]:
    """Images per split of an arrays data set, from its headers."""
    shapes = array_shapes(path)
    return {split: shapes[f"{split}_images"][0] for split in SPLITS}


def load_array_dataset(path: str | os.PathLike, sha256: str | None = None
                       ) -> tuple[dict[str, tuple[np.ndarray, np.ndarray]], int]:
    """The three splits of an arrays data set and its image side:
    ``({split: (x float32 (N, side * side) in [0, 1], y int64 (N,))}, side)``.

    Raises:
        CorruptFileError: the file's SHA-256 differs from ``sha256``, or an array is
            missing or of the wrong shape, type or range.
    """
    actual = file_sha256(path) if sha256 is not None else None
    if actual != sha256:
        raise CorruptFileError(f"{path}: SHA-256 {actual}, but the configuration expects "
                               f"{sha256}")
    array_shapes(path)
    with np.load(path, allow_pickle=False) as arrays:
        splits = {split: _split(path, split, arrays[f"{split}_images"],
                                arrays[f"{split}_labels"]) for split in SPLITS}
    sides = {split: side for split, (_, _, side) in splits.items()}
    if len(set(sides.values())) > 1:
        raise CorruptFileError(f"{path}: the splits' images differ in size: {sides}")
    return {split: (x, y) for split, (x, y, _) in splits.items()}, sides["train"]


def _split(path, split: str, images: np.ndarray, labels: np.ndarray
           ) -> tuple[np.ndarray, np.ndarray, int]:
    if images.ndim != 3 or images.shape[1] != images.shape[2] or images.shape[0] == 0:
        raise CorruptFileError(f"{path}: {split}_images must be square images (N, side, "
                               f"side), got {images.shape}")
    if labels.shape != (len(images),) or not np.issubdtype(labels.dtype, np.integer) \
            or labels.min() < 0:
        raise CorruptFileError(f"{path}: {split}_labels must be {len(images)} integers >= 0, "
                               f"got {labels.shape} of {labels.dtype}")
    side = images.shape[1]
    x = unit_pixels(images.reshape(len(images), side * side), f"{path}: {split}_images")
    return x.astype(np.float32), labels.astype(np.int64), side


def unit_pixels(array: np.ndarray, where: str) -> np.ndarray:
    """Pixels in [0, 1] as float64: uint8 divided by 255, floats checked to lie in [0, 1]
    (a CorruptFileError naming ``where`` otherwise)."""
    if array.dtype == np.uint8:
        return array.astype(np.float64) / 255
    array = array.astype(np.float64)
    bad = int(array.size - np.isfinite(array).sum())
    if bad:
        raise CorruptFileError(f"{where}: pixels must lie in [0, 1] (or be uint8), found "
                               f"{bad} NaN or infinite")
    if array.size and (array.min() < 0 or array.max() > 1):
        raise CorruptFileError(f"{where}: pixels must lie in [0, 1] (or be uint8), found "
                               f"[{array.min():g}, {array.max():g}]")
    return array
