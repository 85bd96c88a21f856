"""Data sets in IDX files (the format of MNIST's original distribution): Fashion-MNIST as
Debian's ``dataset-fashion-mnist`` installs it, or a user's own four files.

Each file's SHA-256 is checked before it is read. The 60,000 training images are split
as MNIST's are here: the first 50,000 train, the last 10,000 validate; the 10,000 test
images test. Pixels are divided by 255, into [0, 1].
"""

from __future__ import annotations

import gzip
import os
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from sparsesens.io import N_PIXELS, SPLIT_SIZES, CorruptFileError, file_sha256

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
_N_TRAIN = SPLIT_SIZES["train"] + SPLIT_SIZES["valid"]


def fashion_mnist_files(directory: str | os.PathLike = FASHION_MNIST_DIR
                        ) -> tuple[dict[str, Path], dict[str, str]]:
    """Paths and pinned SHA-256 of Fashion-MNIST's four files in ``directory``."""
    paths = {name: Path(directory) / file for name, (file, _) in FASHION_MNIST.items()}
    return paths, {name: digest for name, (_, digest) in FASHION_MNIST.items()}


def check_files(paths: Mapping[str, str | os.PathLike], sha256: Mapping[str, str]) -> None:
    """Every one of the four files exists and has its expected SHA-256, or a clear error."""
    missing = [name for name in IDX_FILES if name not in paths or name not in sha256]
    if missing:
        raise ValueError(f"IDX data set needs a path and a SHA-256 for each of "
                         f"{', '.join(IDX_FILES)}; missing: {', '.join(missing)}")
    for name in IDX_FILES:
        path = Path(paths[name])
        if not path.is_file():
            raise FileNotFoundError(f"{name}: {path} does not exist")
        actual = file_sha256(path)
        if actual != sha256[name].lower():
            raise CorruptFileError(f"{name}: {path} has SHA-256 {actual}, expected "
                                   f"{sha256[name]}")


def read_idx(path: str | os.PathLike) -> np.ndarray:
    """The array stored in one IDX file, gzipped or not."""
    raw = Path(path).read_bytes()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    if len(raw) < 4 or raw[:2] != b"\0\0" or raw[2] not in _DTYPES:
        raise CorruptFileError(f"{path}: not an IDX file (header {raw[:4].hex()})")
    ndim = raw[3]
    shape = tuple(int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim))
    dtype = np.dtype(_DTYPES[raw[2]])
    start = 4 + 4 * ndim
    if len(raw) - start != int(np.prod(shape)) * dtype.itemsize:
        raise CorruptFileError(f"{path}: header says {shape} of {dtype}, but the file holds "
                               f"{len(raw) - start} bytes of data")
    return np.frombuffer(raw, dtype=dtype, offset=start).reshape(shape)


def load_idx_dataset(paths: Mapping[str, str | os.PathLike], sha256: Mapping[str, str]
                     ) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """The three splits of a 60,000 + 10,000 image IDX data set, after checking every
    file's SHA-256: ``{split: (x float32 (N, 784) in [0, 1], y int64)}``."""
    check_files(paths, sha256)
    arrays = {name: read_idx(paths[name]) for name in IDX_FILES}
    for part, n in (("train", _N_TRAIN), ("test", SPLIT_SIZES["test"])):
        images, labels = arrays[f"{part}_images"], arrays[f"{part}_labels"]
        if images.shape != (n, 28, 28) or labels.shape != (n,) or images.dtype != np.uint8:
            raise CorruptFileError(f"{part}: expected {n} images of 28 x 28 bytes and {n} "
                                   f"labels, got {images.shape} of {images.dtype} and "
                                   f"{labels.shape}")

    def split(images, labels, rows):
        x = np.asarray(images[rows], dtype=np.float32).reshape(-1, N_PIXELS) / 255.0
        return x, np.asarray(labels[rows], dtype=np.int64)

    train = slice(0, SPLIT_SIZES["train"])
    valid = slice(SPLIT_SIZES["train"], _N_TRAIN)
    return {"train": split(arrays["train_images"], arrays["train_labels"], train),
            "valid": split(arrays["train_images"], arrays["train_labels"], valid),
            "test": split(arrays["test_images"], arrays["test_labels"], slice(None))}
