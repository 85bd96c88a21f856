"""Data sets in IDX files (the format of MNIST's original distribution): Fashion-MNIST as
Debian's ``dataset-fashion-mnist`` installs it, or a user's own four files.

Images are square bytes of any side, counts read from the headers. Each file's SHA-256
is checked before it is read where one is given (Fashion-MNIST's are pinned). The last
``n_valid`` training images validate (MNIST's split: the last 10,000 of 60,000), the rest
train; the test file's images test. Pixels are divided by 255, into [0, 1].
"""

from __future__ import annotations

import gzip
import os
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from sparsesens.io import SPLIT_SIZES, CorruptFileError, file_sha256

IDX_FILES = ("train_images", "train_labels", "test_images", "test_labels")
FASHION_MNIST_DIR = "/usr/share/datasets/fashion-mnist"
# Debian's dataset-fashion-mnist 0.0~git20200523.55506a9-1 (Zalando Research, MIT licence)
FASHION_MNIST = {
    "train_images": ("train-images-idx3-ubyte.gz",
                     "b0564c3eedabfbf835052cff8503ea422014ce006caf5b757f851416ee8300c7"),
    "train_labels": ("train-labels-idx1-ubyte.gz",
                     "0ae29f65d86684f32d1b9c85147786c547b9c6aebcaf235f0400a0cce308b056"),
    "test_images": ("t10k-images-idx3-ubyte.gz",
                    "cc1d090a38ace84dfa1aa66e3ada7c336ef481a96936906477e6dd344da56eaa"),
    "test_labels": ("t10k-labels-idx1-ubyte.gz",
                    "8d3605d196f4be44669e46906da9733c8131fef761fdbfec72c424d5222f1a05"),
}
# the element types of the IDX format, by their code in the header
_DTYPES = {0x08: np.uint8, 0x09: np.int8, 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}
# MNIST's validation split: the last 10,000 of its 60,000 training images
MNIST_VALID = SPLIT_SIZES["valid"]


def fashion_mnist_files(directory: str | os.PathLike = FASHION_MNIST_DIR
                        ) -> tuple[dict[str, Path], dict[str, str]]:
    """Paths and pinned SHA-256 of Fashion-MNIST's four files in ``directory``."""
    paths = {name: Path(directory) / file for name, (file, _) in FASHION_MNIST.items()}
    return paths, {name: digest for name, (_, digest) in FASHION_MNIST.items()}


def check_files(paths: Mapping[str, str | os.PathLike],
                sha256: Mapping[str, str | None]) -> None:
    """Every one of the four files exists and, where ``sha256`` gives a digest (not None),
    has it; a clear error otherwise."""
    missing = [name for name in IDX_FILES if name not in paths or name not in sha256]
    if missing:
        raise ValueError(f"IDX data set needs a path and a SHA-256 (or null) for each of "
                         f"{', '.join(IDX_FILES)}; missing: {', '.join(missing)}")
    for name in IDX_FILES:
        path = Path(paths[name])
        if not path.is_file():
            raise FileNotFoundError(f"{name}: {path} does not exist")
        if sha256[name] is None:
            continue
        actual = file_sha256(path)
        if actual != sha256[name].lower():
            raise CorruptFileError(f"{name}: {path} has SHA-256 {actual}, expected "
                                   f"{sha256[name]}")


def read_idx(path: str | os.PathLike) -> np.ndarray:
    """The array stored in one IDX file, gzipped or not."""
    with _open(path) as handle:
        raw = handle.read()
    dtype, shape = _parse_header(path, raw)
    start = 4 + 4 * len(shape)
    if len(raw) - start != int(np.prod(shape)) * dtype.itemsize:
        raise CorruptFileError(f"{path}: header says {shape} of {dtype}, but the file holds "
                               f"{len(raw) - start} bytes of data")
    return np.frombuffer(raw, dtype=dtype, offset=start).reshape(shape)


def idx_shape(path: str | os.PathLike) -> tuple[int, ...]:
    """The shape of the array in one IDX file, from its header alone (the workflow plans
    its jobs from the counts before any job reads the images)."""
    with _open(path) as handle:
        head = handle.read(4)
        head += handle.read(4 * head[3]) if len(head) == 4 else b""
    return _parse_header(path, head)[1]


def idx_split_sizes(paths: Mapping[str, str | os.PathLike], n_valid: int) -> dict[str, int]:
    """Images per split of an IDX data set whose last ``n_valid`` training images
    validate, from the headers; a clear error when the training file holds too few."""
    n_train, n_test = idx_shape(paths["train_images"])[0], idx_shape(paths["test_images"])[0]
    if not 0 < n_valid < n_train:
        raise ValueError(f"{paths['train_images']} holds {n_train} training images: the "
                         f"validation split's {n_valid} must be between 1 and {n_train - 1}")
    return {"train": n_train - n_valid, "valid": n_valid, "test": n_test}


def load_idx_dataset(paths: Mapping[str, str | os.PathLike],
                     sha256: Mapping[str, str | None], n_valid: int = MNIST_VALID
                     ) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """The three splits of an IDX data set of square byte images, after checking each
    file's SHA-256 where one is given: ``{split: (x float32 (N, side * side) in [0, 1],
    y int64)}``, the last ``n_valid`` training images validating."""
    check_files(paths, sha256)
    sizes = idx_split_sizes(paths, n_valid)
    arrays = {name: read_idx(paths[name]) for name in IDX_FILES}
    for part in ("train", "test"):
        images, labels = arrays[f"{part}_images"], arrays[f"{part}_labels"]
        if images.ndim != 3 or images.shape[1] != images.shape[2] \
                or images.dtype != np.uint8 or labels.shape != (len(images),):
            raise CorruptFileError(f"{part}: expected N square images of bytes (N, side, "
                                   f"side) and N labels, got {images.shape} of "
                                   f"{images.dtype} and {labels.shape}")
    sides = {arrays[f"{part}_images"].shape[1] for part in ("train", "test")}
    if len(sides) > 1:
        raise CorruptFileError(f"the training and test images differ in side: {sorted(sides)}")

    def split(images, labels, rows):
        chosen = np.asarray(images[rows], dtype=np.float32)
        return chosen.reshape(len(chosen), -1) / 255.0, np.asarray(labels[rows], dtype=np.int64)

    train = slice(0, sizes["train"])
    valid = slice(sizes["train"], None)
    return {"train": split(arrays["train_images"], arrays["train_labels"], train),
            "valid": split(arrays["train_images"], arrays["train_labels"], valid),
            "test": split(arrays["test_images"], arrays["test_labels"], slice(None))}


def _open(path: str | os.PathLike):
    """A binary handle on an IDX file, through gzip when it is gzipped."""
    with open(path, "rb") as handle:
        gzipped = handle.read(2) == b"\x1f\x8b"
    return gzip.open(path, "rb") if gzipped else open(path, "rb")


def _parse_header(path, raw: bytes) -> tuple[np.dtype, tuple[int, ...]]:
    """The element type and shape an IDX header (at the start of ``raw``) states."""
    if len(raw) < 4 or raw[:2] != b"\0\0" or raw[2] not in _DTYPES \
            or len(raw) < 4 + 4 * raw[3]:
        raise CorruptFileError(f"{path}: not an IDX file (header {raw[:4].hex()})")
    shape = tuple(int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(raw[3]))
    return np.dtype(_DTYPES[raw[2]]), shape
