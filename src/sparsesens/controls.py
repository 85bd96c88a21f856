"""Control dictionaries: what a claim about learned sparse codes is judged against.

A claim about the codes of a learned dictionary counts as reproduced only if a dictionary
that was not learned fails it; if the controls pass too, the claim holds for any
dictionary (a property of exact lasso codes at that sparsity, or of the images), not of
learning. Two controls, both with as many unit-norm atoms as the learned dictionary:

- ``random``: the learners' own seeded start (unit-normal entries, atoms normalised), the
  dictionary before any learning;
- ``images``: training images drawn without replacement (seeded), normalised: a
  structured dictionary that shares the digits' mean and strokes but was not fitted. The
  images the analysis encodes (the sensitivity samples', the RIP's, the sampled digits')
  are left out of the draw: an image that is itself an atom has a code of one atom.

Each control is encoded at the lambda that gives it the learned dictionary's mean number
of active atoms (:func:`sparsesens.remedy.matching_lambda`), since sensitivity grows with
the number of active atoms and a control at the learned lambda would differ in sparsity
first.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np
import pandas as pd
import torch

from sparsesens import analysis
from sparsesens.dictionary.atoms import initial_dictionary, max_coherence, normalise_columns
from sparsesens.sensitivity import PERTURBATIONS, code_directional_derivative, ratio_table

CONTROLS = ("random", "images")


def control_dictionary(kind: str, X: np.ndarray, n_atoms: int, seed: int,
                       exclude: np.ndarray | None = None) -> np.ndarray:
    """The (m, n_atoms) float64 control dictionary ``kind`` for images ``X`` (N, m).

    Args:
        kind: ``"random"`` or ``"images"`` (see the module's docstring).
        X: (N, m) training images (``images`` draws its atoms from them).
        n_atoms: atoms, as many as the learned dictionary has.
        seed: seeds the draw.
        exclude: indices of ``X`` that ``images`` may not draw (:func:`atom_images`).
    """
    if kind not in CONTROLS:
        raise ValueError(f"unknown control dictionary {kind!r}; allowed: {', '.join(CONTROLS)}")
    X = np.asarray(X, dtype=np.float64)
    if kind == "random":
        generator = torch.Generator().manual_seed(seed)
        return initial_dictionary(X.shape[1], n_atoms, generator).numpy()
    atoms = X[atom_images(len(X), n_atoms, seed, exclude)].T
    norms = np.linalg.norm(atoms, axis=0)
    if not (norms > 0).all():  # a blank image cannot be an atom; none is blank in MNIST
        raise ValueError("a drawn training image is all zero and cannot be an atom")
    return normalise_columns(torch.from_numpy(atoms)).numpy()


def atom_images(n_images: int, n_atoms: int, seed: int, exclude: np.ndarray | None = None
                ) -> np.ndarray:
    """The sorted indices of the training images that the ``images`` control takes as its
    atoms: ``n_atoms`` drawn without replacement (seeded) from the ``n_images`` images
    outside ``exclude``."""
    allowed = np.setdiff1d(np.arange(n_images), np.asarray([] if exclude is None else exclude,
                                                           dtype=np.int64))
    if n_atoms > len(allowed):
        raise ValueError(f"the images control needs {n_atoms} training images as atoms, but "
                         f"{len(allowed)} of {n_images} are not encoded by the analysis; use "
                         "more training images or fewer analysed ones")
    rng = np.random.default_rng(seed)
    return np.sort(rng.choice(allowed, n_atoms, replace=False))


def control_analysis(D: np.ndarray, X: np.ndarray, encode: Callable[[np.ndarray], np.ndarray],
                     samples: Mapping[str, np.ndarray], examples: Mapping[str, np.ndarray], *,
                     digit: int, digit_indices: np.ndarray, rip_images: int, rip_seed: int,
                     top_pairs: int, device: torch.device | str = "cpu"
                     ) -> dict[str, pd.DataFrame]:
    """The tables a learned dictionary's claims are read from, for control dictionary ``D``:
    the same samples, images and digits, encoded by ``encode``.

    Args:
        D: (m, n) control dictionary.
        X: (N, m) training images.
        encode: (S, m) images -> (S, n) exact codes under ``D`` at the matched lambda; its
            ``certified`` attribute, when it has one, marks the codes that passed Eq. 9.
        samples: the sensitivity samples: ``image_index`` (S,) and ``dx/<kind>`` (S, m).
        examples: kind -> (m,) one perturbation of the analysed digit each.
        digit: the analysed digit's index; ``digit_indices``: the sampled digits'.
        rip_images: the first training images whose active dictionaries give the RIP.
        rip_seed: seeds the random atoms of the RIP's baseline.
        top_pairs: most overlapping pairs of the digit numbers.
        device: where the directional derivatives are solved.

    Returns:
        ``sensitivity`` (per sample and kind), ``rip`` (per image), ``digit`` (the analysed
        digit's quantity and value), ``spectrum`` (per gain rank) and ``digits`` (per
        sampled digit).
    """
    dX = {kind: samples[f"dx/{kind}"] for kind in PERTURBATIONS}
    R = encode(X[samples["image_index"]].astype(np.float64))
    ratios = {kind: code_directional_derivative(D, R, dX[kind], device=device)
              for kind in PERTURBATIONS}
    sensitivity = ratio_table(samples["image_index"], ratios, getattr(encode, "certified", None))
    n_rip = min(rip_images, len(X))
    rip = pd.DataFrame(analysis.restricted_isometry(D, encode(X[:n_rip].astype(np.float64))))
    rip.insert(0, "image_index", range(n_rip))
    random = analysis.random_restricted_isometry(D.shape[0], rip["n_active"], rip_seed)
    rip["random_delta"], rip["random_s_min"] = random["delta"], random["s_min"]
    found = analysis.digit_analysis(D, encode(X[[digit]].astype(np.float64))[0], examples, R,
                                    dX, top_pairs, max_coherence(D))
    numbers = pd.DataFrame({"quantity": list(found.numbers),
                            "value": list(found.numbers.values())})
    chosen = X[digit_indices].astype(np.float64)
    digits = analysis.digit_distribution(D, chosen, encode(chosen), digit_indices, top_pairs)
    return {"sensitivity": sensitivity, "rip": rip, "digit": numbers,
            "spectrum": found.spectrum, "digits": digits}
