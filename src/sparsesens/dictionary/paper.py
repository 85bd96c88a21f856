"""The paper's dictionary learning (Section 2.1).

Minimise Eq. 1, ``sum_t 1/2 ||x_t - D r_t||^2 + lam ||r_t||_1`` with unit-norm atoms, by
alternating, in every iteration,

* one ISTA step on all codes (a gradient step on the squared error, then shrinkage), and
* one gradient step on the dictionary, followed by renormalising every atom,

each with its own learning rate. A step that lowers the loss is accepted and its learning
rate multiplied by ``lr_increase`` (1.1); a step that raises it is rejected and its learning
rate multiplied by ``lr_decrease`` (0.5). Dictionary and codes start from a unit normal.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import torch

from sparsesens.dictionary.atoms import (
    has_converged,
    initial_dictionary,
    normalise_columns,
    overlap_gradient,
    overlap_penalty,
    sparse_coding_loss,
)
from sparsesens.lasso.shrinkage import soft_threshold

_DTYPES = {"float32": torch.float32, "float64": torch.float64}


@dataclass
class LearningRate:
    """A learning rate adapted by the accept/reject rule of Section 2.1."""

    value: float
    increase: float = 1.1
    decrease: float = 0.5
    accepted: int = 0
    rejected: int = 0

    def update(self, improved: bool) -> bool:
        """Record one step's outcome, adapt the rate, and return whether to keep the step."""
        if improved:
            self.value *= self.increase
            self.accepted += 1
        else:
            self.value *= self.decrease
            self.rejected += 1
        return improved


@dataclass
class DictionaryResult:
    """Outcome of :func:`learn_dictionary`.

    Attributes:
        D: (m, n_atoms) float64 dictionary with unit-norm columns.
        loss: per-image value of Eq. 1 after each iteration.
        seconds: wall time since the start after each iteration.
        iterations: iterations run.
        converged: True when the relative-change rule stopped it before the cap.
        lr_codes, lr_dictionary: the adapted learning rates at the end.
    """

    D: np.ndarray
    loss: np.ndarray
    seconds: np.ndarray
    iterations: int
    converged: bool
    lr_codes: LearningRate = field(repr=False)
    lr_dictionary: LearningRate = field(repr=False)


def learn_dictionary(X: np.ndarray, lam: float, *, n_atoms: int = 784, max_iter: int = 10_000,
                     lr_codes: float = 1e-3, lr_dictionary: float = 1e-5,
                     lr_increase: float = 1.1, lr_decrease: float = 0.5,
                     rel_tol: float = 1e-5, window: int = 200,
                     max_seconds: float | None = None, seed: int = 0,
                     orthogonality: float = 0.0,
                     device: torch.device | str = "cpu", dtype: str = "float32",
                     progress: Callable[[int, float], None] | None = None,
                     callback: Callable[[int, float, torch.Tensor], None] | None = None
                     ) -> DictionaryResult:
    """Learn a dictionary for images ``X`` (N, m) with the paper's alternating algorithm.

    Args:
        X: (N, m) training images.
        lam: sparsity weight of Eq. 1, > 0.
        n_atoms: number of atoms n.
        max_iter: iteration cap.
        lr_codes, lr_dictionary: initial learning rates of the two steps.
        lr_increase, lr_decrease: factors after an accepted or rejected step.
        rel_tol, window: stop early once the per-image loss fell by less than ``rel_tol``
            of its value over the last ``window`` iterations (``rel_tol=0`` never stops).
        max_seconds: stop after the first iteration that ends past this wall time (None:
            no limit); benchmarks use it to give every learner the same budget.
        seed: seeds the unit-normal initialisation (drawn on the CPU, so every device starts
            from the same numbers).
        orthogonality: ``mu`` of the remedy the paper proposes, :func:`overlap_penalty`
            added to the per-image loss (0: Eq. 1 alone, the paper's algorithm).
        device: where the arithmetic runs.
        dtype: ``float32`` or ``float64``.
        progress: called as ``progress(iteration, loss_per_image)`` after every iteration.
        callback: called as ``callback(iteration, seconds, D)`` after every iteration with
            the current dictionary (not to be modified); benchmarks take snapshots with it.

    Returns:
        A :class:`DictionaryResult`.
    """
    if dtype not in _DTYPES:
        raise ValueError(f"unknown dtype {dtype!r}; allowed: {', '.join(_DTYPES)}")
    if not lam > 0:
        raise ValueError(f"lam must be > 0, got {lam}")
    if not orthogonality >= 0:
        raise ValueError(f"orthogonality must be >= 0, got {orthogonality}")
    X_np = np.asarray(X)
    if X_np.ndim != 2 or X_np.shape[0] == 0:
        raise ValueError(f"X must be a non-empty (N, m) array, got shape {X_np.shape}")
    n_images, n_pixels = X_np.shape
    kind = _DTYPES[dtype]
    start = time.perf_counter()
    device = torch.device(device)
    generator = torch.Generator().manual_seed(seed)
    D = initial_dictionary(n_pixels, n_atoms, generator).to(device=device, dtype=kind)
    R = torch.randn(n_images, n_atoms, generator=generator, dtype=torch.float64)
    X_t = torch.as_tensor(X_np, dtype=kind, device=device)
    R = R.to(device=device, dtype=kind)

    rate_r = LearningRate(lr_codes, lr_increase, lr_decrease)
    rate_d = LearningRate(lr_dictionary, lr_increase, lr_decrease)
    E = R @ D.T - X_t
    # the penalty is per image, as Eq. 1 is: over all images it weighs n_images times
    weight = n_images * orthogonality
    penalty = n_images * overlap_penalty(D, orthogonality)
    loss = sparse_coding_loss(X_t, D, R, lam, E) + penalty
    history: list[float] = []
    seconds: list[float] = []
    converged = False
    for iteration in range(1, max_iter + 1):
        # ISTA step on the codes
        R_new = soft_threshold(R - rate_r.value * (E @ D), rate_r.value * lam)
        E_new = R_new @ D.T - X_t
        loss_new = sparse_coding_loss(X_t, D, R_new, lam, E_new) + penalty
        if rate_r.update(loss_new < loss):
            R, E, loss = R_new, E_new, loss_new
        # gradient step on the dictionary, then unit-norm atoms
        step = E.T @ R if weight == 0 else E.T @ R + overlap_gradient(D, weight)
        D_new = normalise_columns(D - rate_d.value * step)
        E_new = R @ D_new.T - X_t
        penalty_new = n_images * overlap_penalty(D_new, orthogonality)
        loss_new = sparse_coding_loss(X_t, D_new, R, lam, E_new) + penalty_new
        if rate_d.update(loss_new < loss):
            D, E, loss, penalty = D_new, E_new, loss_new, penalty_new
        history.append(loss / n_images)
        seconds.append(time.perf_counter() - start)
        if progress is not None:
            progress(iteration, history[-1])
        if callback is not None:
            callback(iteration, seconds[-1], D)
        if has_converged(history, rel_tol, window):
            converged = True
            break
        if max_seconds is not None and seconds[-1] >= max_seconds:
            break
    # renormalise in float64 so the stored atoms are unit-norm to double precision
    D64 = normalise_columns(D.double()).cpu().numpy()
    return DictionaryResult(D=D64, loss=np.asarray(history), seconds=np.asarray(seconds),
                            iterations=len(history), converged=converged,
                            lr_codes=rate_r, lr_dictionary=rate_d)
