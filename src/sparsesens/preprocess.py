"""Pixel scalings of MNIST, one of the settings the paper leaves unstated.

The paper gives its images no preprocessing we could find; the default keeps the pixels
as given, in [0, 1). The alternatives are here so that their effect on the learned codes
can be measured (the fidelity study, docs/fidelity.md), never applied silently.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

SCALINGS = ("none", "scale", "center", "standardise", "normalize")


def pixel_statistics(train: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-pixel mean and standard deviation over the training images, (784,) each."""
    train = np.asarray(train, dtype=np.float64)
    return train.mean(axis=0), train.std(axis=0)


def scale_pixels(splits: Mapping[str, np.ndarray], scaling: str,
                 factor: float = 1.0) -> dict[str, np.ndarray]:
    """Apply one scaling to every split, with statistics of the ``train`` split only.

    Args:
        splits: ``{split: (N, 784) images}``; must contain ``train``.
        scaling: ``"none"`` (pixels as given), ``"scale"`` (every pixel times
            ``factor``), ``"center"`` (minus the mean training image), ``"standardise"``
            (per pixel, minus the training mean, divided by the training standard
            deviation; pixels constant over the training set, such as the border, become
            0) or ``"normalize"`` (minus one mean over all training pixels, divided by one
            standard deviation over all of them, as common MNIST pipelines do).
        factor: the multiplier of ``"scale"``, strictly positive; ignored otherwise.

    Returns:
        ``{split: float32 images}``, new arrays.
    """
    if scaling not in SCALINGS:
        raise ValueError(f"unknown scaling {scaling!r}; allowed: {', '.join(SCALINGS)}")
    if not (np.isfinite(factor) and factor > 0):
        raise ValueError(f"scale factor must be finite and > 0, got {factor!r}")
    if "train" not in splits:
        raise ValueError("scale_pixels needs the train split: its statistics define the scaling")
    shift, divisor = _shift_and_divisor(np.asarray(splits["train"], dtype=np.float64),
                                        scaling, factor)
    out = {}
    for name, x in splits.items():
        x = np.asarray(x, dtype=np.float64) - shift
        x = np.divide(x, divisor, out=np.zeros_like(x), where=divisor > 0)
        out[name] = x.astype(np.float32)
    return out


def _shift_and_divisor(train: np.ndarray, scaling: str,
                       factor: float) -> tuple[np.ndarray | float, np.ndarray | float]:
    """The affine map of a scaling, x -> (x - shift) / divisor, from training statistics."""
    if scaling == "scale":
        return 0.0, 1.0 / factor
    if scaling == "center":
        return train.mean(axis=0), 1.0
    if scaling == "standardise":
        return pixel_statistics(train)
    if scaling == "normalize":
        return train.mean(), train.std()
    return 0.0, 1.0
