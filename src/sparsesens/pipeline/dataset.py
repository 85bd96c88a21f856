"""The configured data set: its name in paths, its files, the images per split (read from
the files' headers for a source other than MNIST), the scale of its pixels and the code
shards' ranges."""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from sparsesens.io import SPLIT_SIZES, array_split_sizes


def split_sizes(config: Mapping[str, Any]) -> dict[str, int]:
    """Images per split of the configured data set: MNIST's 50,000 / 10,000 / 10,000,
    Fashion-MNIST's 60,000 training images less ``data.valid_from_train`` / that many /
    10,000, or as many as an IDX or arrays source's files hold (read from their headers)."""
    data = config["data"]
    if data["source"] == "arrays":
        return array_split_sizes(data["arrays"]["path"])
    if data["source"] == "idx":
        from sparsesens.io.idx import idx_split_sizes

        return idx_split_sizes(data_files(config)[0], data["valid_from_train"])
    if data["source"] == "fashion-mnist":
        # its files are pinned by their hashes: 60,000 training and 10,000 test images
        n_train = SPLIT_SIZES["train"] + SPLIT_SIZES["valid"]
        return {"train": n_train - data["valid_from_train"],
                "valid": data["valid_from_train"], "test": SPLIT_SIZES["test"]}
    return dict(SPLIT_SIZES)


# a name that is safe in a path on every file system the workflow runs on
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


def dataset_name(config: Mapping[str, Any]) -> str:
    """The data set's name in output paths (``data/<name>.h5``): ``data.name``, else the
    source's (mnist, fashion-mnist, idx) or, for an arrays source, its file's stem."""
    data = config["data"]
    if data["name"] is not None:
        return data["name"]
    if data["source"] == "arrays" and data["arrays"]:
        return Path(data["arrays"]["path"]).stem
    return data["source"]


def n_images(config: Mapping[str, Any], split: str) -> int:
    """Number of images of ``split`` used by this configuration (its first N)."""
    subset, size = config["data"]["subset"][split], split_sizes(config)[split]
    return size if subset is None else min(int(subset), size)


# MNIST's pixels divided by 0.3081, the standard deviation of its 60,000 training images'
# pixels that common MNIST pipelines use; another data set states its own factor
MNIST_SCALE_FACTOR = 1 / 0.3081


def scale_factor(config: Mapping[str, Any]) -> float | None:
    """The pixels' multiplier under ``data.scaling: scale``: ``data.scale_factor``, or when
    that is null MNIST's 1 / 0.3081 for source mnist and None for any other source (whose
    factor is never MNIST's unless the configuration says so)."""
    data = config["data"]
    if data["scale_factor"] is not None:
        return float(data["scale_factor"])
    return MNIST_SCALE_FACTOR if data["source"] == "mnist" else None


def shard_ranges(config: Mapping[str, Any], split: str) -> list[tuple[int, int]]:
    """Half-open ``(start, stop)`` image ranges of the code shards of ``split``."""
    total, size = n_images(config, split), config["codes"]["shard_size"]
    return [(start, min(start + size, total)) for start in range(0, total, size)]


def data_files(config: Mapping[str, Any]) -> tuple[dict[str, str], dict[str, str]]:
    """The files of the configured data source and their expected SHA-256, by name
    (train_images, ... for IDX; arrays for an arrays file, whose hash may be None); empty
    for source mnist, which comes from its wheel."""
    data = config["data"]
    if data["source"] == "fashion-mnist":
        from sparsesens.io.idx import fashion_mnist_files

        paths, digests = fashion_mnist_files(data["fashion_mnist_dir"])
        return {name: str(path) for name, path in paths.items()}, digests
    if data["source"] == "idx":
        return ({name: entry["path"] for name, entry in data["idx"].items()},
                {name: entry["sha256"] for name, entry in data["idx"].items()})
    if data["source"] == "arrays":
        return {"arrays": data["arrays"]["path"]}, {"arrays": data["arrays"]["sha256"]}
    return {}, {}
