"""IDX data sets (sparsesens.io.idx): the format, the hash check, and the real Fashion-MNIST."""

from __future__ import annotations

import gzip
import hashlib
from pathlib import Path

import numpy as np
import pytest

from sparsesens.io import CorruptFileError, idx

FASHION = Path(idx.FASHION_MNIST_DIR)
HAVE_FASHION = all((FASHION / file).is_file() for file, _ in idx.FASHION_MNIST.values())


def idx_bytes(array: np.ndarray) -> bytes:
    codes = {np.dtype(np.uint8): 0x08, np.dtype(">i4"): 0x0C, np.dtype(">f4"): 0x0D}
    header = bytes([0, 0, codes[array.dtype], array.ndim])
    return header + b"".join(n.to_bytes(4, "big") for n in array.shape) + array.tobytes()


def write_idx_dataset(folder: Path, side: int, n_train: int, n_test: int, seed: int = 0
                      ) -> dict[str, Path]:
    """Four gzipped IDX files of random byte images ``side`` x ``side`` and labels 0..9."""
    rng = np.random.default_rng(seed)
    arrays = {"train_images": rng.integers(0, 256, (n_train, side, side), dtype=np.uint8),
              "train_labels": rng.integers(0, 10, n_train).astype(np.uint8),
              "test_images": rng.integers(0, 256, (n_test, side, side), dtype=np.uint8),
              "test_labels": rng.integers(0, 10, n_test).astype(np.uint8)}
    paths = {}
    for name, array in arrays.items():
        paths[name] = folder / f"{name}.idx.gz"
        paths[name].write_bytes(gzip.compress(idx_bytes(array)))
    return paths


@pytest.mark.parametrize("dtype", [np.uint8, ">i4", ">f4"])
@pytest.mark.parametrize("compress", [False, True])
def test_idx_files_read_back_gzipped_or_not(tmp_path, dtype, compress):
    array = (np.arange(2 * 3 * 4) % 7).astype(dtype).reshape(2, 3, 4)
    raw = idx_bytes(array)
    path = tmp_path / "a.idx"
    path.write_bytes(gzip.compress(raw) if compress else raw)
    np.testing.assert_array_equal(idx.read_idx(path), array)


def test_a_damaged_idx_file_is_refused(tmp_path):
    path = tmp_path / "a.idx"
    path.write_bytes(b"\x08\x03\x00\x00")
    with pytest.raises(CorruptFileError, match="not an IDX file"):
        idx.read_idx(path)
    path.write_bytes(idx_bytes(np.zeros((4, 5), np.uint8))[:-3])
    with pytest.raises(CorruptFileError, match=r"header says \(4, 5\)"):
        idx.read_idx(path)


def test_a_file_with_another_hash_stops_naming_both_hashes(tmp_path):
    paths, digests = {}, {}
    for name in idx.IDX_FILES:
        paths[name] = tmp_path / name
        paths[name].write_bytes(name.encode())
        digests[name] = hashlib.sha256(name.encode()).hexdigest()
    idx.check_files(paths, digests)  # all as expected
    paths["test_labels"].write_bytes(b"tampered")
    actual = hashlib.sha256(b"tampered").hexdigest()
    with pytest.raises(CorruptFileError, match=f"SHA-256 {actual}, expected "
                                               f"{digests['test_labels']}"):
        idx.check_files(paths, digests)
    with pytest.raises(FileNotFoundError, match="train_images"):
        idx.check_files({**paths, "train_images": tmp_path / "absent"}, digests)
    with pytest.raises(ValueError, match="missing: test_images"):
        idx.check_files({k: v for k, v in paths.items() if k != "test_images"}, digests)


def test_an_idx_data_set_of_any_side_and_count_splits_by_its_headers(tmp_path):
    paths = write_idx_dataset(tmp_path, side=14, n_train=130, n_test=40)
    assert idx.idx_shape(paths["train_images"]) == (130, 14, 14)
    assert idx.idx_split_sizes(paths, n_valid=30) == {"train": 100, "valid": 30, "test": 40}
    no_hashes = dict.fromkeys(idx.IDX_FILES)
    splits = idx.load_idx_dataset(paths, no_hashes, n_valid=30)
    assert {name: x.shape for name, (x, _) in splits.items()} == {
        "train": (100, 196), "valid": (30, 196), "test": (40, 196)}
    # the validation split is the training file's last images, in order
    raw = idx.read_idx(paths["train_images"])
    np.testing.assert_allclose(splits["valid"][0][-1], raw[-1].reshape(-1) / 255.0, rtol=1e-6)
    # a hash, where given, is still checked
    with pytest.raises(CorruptFileError, match="expected " + "0" * 64):
        idx.load_idx_dataset(paths, {**no_hashes, "test_labels": "0" * 64}, n_valid=30)
    with pytest.raises(ValueError, match="130 training images: the validation split's 130"):
        idx.idx_split_sizes(paths, n_valid=130)


def test_idx_images_must_be_square_bytes_of_one_side(tmp_path):
    paths = write_idx_dataset(tmp_path, side=14, n_train=50, n_test=10)
    no_hashes = dict.fromkeys(idx.IDX_FILES)
    paths["test_images"].write_bytes(idx_bytes(np.zeros((10, 12, 12), np.uint8)))
    with pytest.raises(CorruptFileError, match=r"differ in side: \[12, 14\]"):
        idx.load_idx_dataset(paths, no_hashes, n_valid=10)
    paths["test_images"].write_bytes(idx_bytes(np.zeros((10, 14, 12), np.uint8)))
    with pytest.raises(CorruptFileError, match="square images of bytes"):
        idx.load_idx_dataset(paths, no_hashes, n_valid=10)


@pytest.mark.skipif(not HAVE_FASHION, reason=f"no Fashion-MNIST in {FASHION} "
                                             "(apt-get install dataset-fashion-mnist)")
def test_fashion_mnist_from_debian_splits_as_mnist_does():
    paths, digests = idx.fashion_mnist_files()
    splits = idx.load_idx_dataset(paths, digests)
    assert {name: x.shape for name, (x, _) in splits.items()} == {
        "train": (50_000, 784), "valid": (10_000, 784), "test": (10_000, 784)}
    x, y = splits["train"]
    assert x.dtype == np.float32 and x.min() == 0.0 and x.max() == 1.0
    # Fashion-MNIST's 60,000 training images hold 6,000 of each of its 10 classes
    counts = np.bincount(y, minlength=10) + np.bincount(splits["valid"][1], minlength=10)
    assert counts.tolist() == [6000] * 10
    assert np.bincount(splits["test"][1]).tolist() == [1000] * 10
    # the validation split is the last 10,000 training images
    raw = idx.read_idx(paths["train_images"])
    np.testing.assert_allclose(splits["valid"][0][0], raw[50_000].reshape(-1) / 255.0,
                               rtol=1e-6)
