"""Supervised evaluation of representations (Section 6)."""

from __future__ import annotations

import numpy as np


def labelled_subset(labels: np.ndarray, per_class: int, seed: int) -> np.ndarray:
    """Indices of ``per_class`` labelled training images of every class.

    For one seed the subsets are nested: the images chosen for k labels per class are the
    first k of a fixed per-class permutation, so more labels only add images.

    Args:
        labels: (N,) integer class of each training image.
        per_class: labelled images wanted of each class.
        seed: seeds the permutation.

    Returns:
        Sorted indices into ``labels``, ``per_class`` of each class.
    """
    labels = np.asarray(labels)
    rng = np.random.default_rng(seed)
    chosen = []
    for cls in np.unique(labels):
        members = np.flatnonzero(labels == cls)
        if len(members) < per_class:
            raise ValueError(f"class {cls} has {len(members)} images, fewer than the "
                             f"{per_class} labels per class asked for")
        chosen.append(rng.permutation(members)[:per_class])
    return np.sort(np.concatenate(chosen))
