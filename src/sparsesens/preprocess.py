"""Pixel scalings of MNIST, one of the settings the paper leaves unstated.

The paper gives its images no preprocessing we could find; the default keeps the pixels
as given, in [0, 1). The alternatives are here so that their effect on the learned codes
can be measured (the fidelity study of the README), never applied silently.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

SCALINGS = ("none", "center", "standardise")


def pixel_statistics(train: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-pixel mean and standard deviation over the training images, (784,) each."""
    train = np.asarray(train, dtype=np.float64)
    return train.mean(axis=0), train.std(axis=0)


def scale_pixels(splits: Mapping[str, np.ndarray], scaling: str) -> dict[str, np.ndarray]:
    """Apply one scaling to every split, with statistics of the ``train`` split only.

    Args:
        splits: ``{split: (N, 784) images}``; must contain ``train``.
        scaling: ``"none"`` (pixels as given), ``"center"`` (minus the mean training
            image) or ``"standardise"`` (per pixel, minus the training mean, divided by
            the training standard deviation; pixels constant over the training set, such
            as the border, become 0).

    Returns:
        ``{split: float32 images}``, new arrays.
    """
    if scaling not in SCALINGS:
        raise ValueError(f"unknown scaling {scaling!r}; allowed: {', '.join(SCALINGS)}")
    if "train" not in splits:
        raise ValueError("scale_pixels needs the train split: its statistics define the scaling")
    mean, std = pixel_statistics(splits["train"])
    out = {}
    for name, x in splits.items():
        x = np.asarray(x, dtype=np.float64)
        if scaling == "center":
            x = x - mean
        elif scaling == "standardise":
            x = np.divide(x - mean, std, out=np.zeros_like(x), where=std > 0)
        out[name] = x.astype(np.float32)
    return out
