"""What both learners share about atoms: the seeded start, unit norms, the objective
(Eq. 1), the remedy's overlap penalty, coherence and the stopping rule."""

from __future__ import annotations

import numpy as np
import torch


def sparse_coding_loss(X: torch.Tensor, D: torch.Tensor, R: torch.Tensor, lam: float,
                       residual: torch.Tensor | None = None) -> float:
    """Eq. 1 summed over images, accumulated in float64. ``residual`` is ``R D^T - X``."""
    E = R @ D.T - X if residual is None else residual
    squared = torch.linalg.vector_norm(E, dtype=torch.float64) ** 2
    return float(0.5 * squared + lam * R.abs().sum(dtype=torch.float64))


def overlap_penalty(D: torch.Tensor, mu: float) -> float:
    """The paper's proposed remedy, per image: ``mu/2`` times the sum over pairs of atoms of
    their squared overlap, ``mu/2 sum_{i<j} (d_i . d_j)^2`` (0 when ``mu`` is 0)."""
    if mu == 0:
        return 0.0
    G = D.double().T @ D.double()
    return float(mu / 4 * ((G ** 2).sum() - (torch.diagonal(G) ** 2).sum()))


def overlap_gradient(D: torch.Tensor, mu: float) -> torch.Tensor:
    """The gradient of :func:`overlap_penalty` in ``D``: ``mu (D G - D diag(G))``."""
    G = D.T @ D
    return mu * (D @ G - D * torch.diagonal(G))


def initial_dictionary(n_pixels: int, n_atoms: int, generator: torch.Generator
                       ) -> torch.Tensor:
    """The seeded starting dictionary of both learners: unit-normal entries (float64, drawn
    on the CPU so every device starts from the same numbers), atoms scaled to unit norm."""
    return normalise_columns(torch.randn(n_pixels, n_atoms, generator=generator,
                                         dtype=torch.float64))


def normalise_columns(D: torch.Tensor) -> torch.Tensor:
    """Scale every column of ``D`` to unit Euclidean norm."""
    return D / torch.linalg.vector_norm(D, dim=0, keepdim=True)


def max_coherence(D: np.ndarray) -> float:
    """Largest ``|cos|`` between two different atoms of ``D`` (columns)."""
    D = np.asarray(D, dtype=np.float64)
    D = D / np.linalg.norm(D, axis=0, keepdims=True)
    G = np.abs(D.T @ D)
    np.fill_diagonal(G, 0.0)
    return float(G.max())


def has_converged(loss: list[float], rel_tol: float, window: int) -> bool:
    """True when the loss fell by less than ``rel_tol`` of its value over ``window`` steps."""
    if rel_tol <= 0 or len(loss) <= window:
        return False
    return (loss[-window - 1] - loss[-1]) <= rel_tol * abs(loss[-1])
