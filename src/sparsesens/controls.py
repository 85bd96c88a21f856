"""Control dictionaries: what a claim about learned sparse codes is judged against.

A claim about the codes of a learned dictionary counts as reproduced only if a dictionary
that was not learned fails it; if the controls pass too, the claim holds for any
dictionary (a property of exact lasso codes at that sparsity, or of the images), not of
learning. Two controls, both with as many unit-norm atoms as the learned dictionary:

- ``random``: the learners' own seeded start (unit-normal entries, atoms normalised), the
  dictionary before any learning;
- ``images``: training images drawn without replacement (seeded), normalised: a
  structured dictionary that shares the digits' mean and strokes but was not fitted.

Each control is encoded at the lambda that gives it the learned dictionary's mean number
of active atoms (:func:`sparsesens.remedy.matching_lambda`), since sensitivity grows with
the number of active atoms and a control at the learned lambda would differ in sparsity
first.
"""

from __future__ import annotations

import numpy as np
import torch

from sparsesens.dictionary.atoms import initial_dictionary, normalise_columns

CONTROLS = ("random", "images")


def control_dictionary(kind: str, X: np.ndarray, n_atoms: int, seed: int) -> np.ndarray:
    """The (m, n_atoms) float64 control dictionary ``kind`` for images ``X`` (N, m).

    Args:
        kind: ``"random"`` or ``"images"`` (see the module's docstring).
        X: (N, m) training images (``images`` draws its atoms from them).
        n_atoms: atoms, as many as the learned dictionary has.
        seed: seeds the draw.
    """
    if kind not in CONTROLS:
        raise ValueError(f"unknown control dictionary {kind!r}; allowed: {', '.join(CONTROLS)}")
    X = np.asarray(X, dtype=np.float64)
    if kind == "random":
        generator = torch.Generator().manual_seed(seed)
        return initial_dictionary(X.shape[1], n_atoms, generator).numpy()
    if n_atoms > len(X):
        raise ValueError(f"the images control needs {n_atoms} training images as atoms, "
                         f"but there are {len(X)}")
    rng = np.random.default_rng(seed)
    atoms = X[np.sort(rng.choice(len(X), n_atoms, replace=False))].T
    norms = np.linalg.norm(atoms, axis=0)
    if not (norms > 0).all():  # a blank image cannot be an atom; none is blank in MNIST
        raise ValueError("a drawn training image is all zero and cannot be an atom")
    return normalise_columns(torch.from_numpy(atoms)).numpy()
