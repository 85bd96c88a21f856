"""The certificate of a lasso code (the paper's Eq. 9) and the objective (Eq. 1)."""

from __future__ import annotations

import warnings

import numpy as np
import torch

from sparsesens.lasso.support import solve_on_support

# codes with fewer than one active atom in this many multiply the Gram matrix sparsely
_SPARSE_SHARE = 16


def lasso_objective(X: np.ndarray, D: np.ndarray, R: np.ndarray, lam: float) -> np.ndarray:
    """Eq. 1 of every image with its code: ``1/2 ||x - D r||^2 + lam ||r||_1``, (N,)."""
    residual = np.asarray(X) - np.asarray(R) @ np.asarray(D).T
    return 0.5 * (residual ** 2).sum(axis=1) + lam * np.abs(R).sum(axis=1)


def kkt_violation(X: np.ndarray, D: np.ndarray, R: np.ndarray, lam: float
                  ) -> tuple[np.ndarray, np.ndarray]:
    """Both conditions of Eq. 9 for every image, computed from scratch in float64.

    Args:
        X: (N, m) images.
        D: (m, n) dictionary.
        R: (N, n) codes.
        lam: sparsity weight.

    Returns:
        ``(inactive, active)``: for each image the largest ``|d_i . (x - D r)| - lam`` over
        atoms with ``r_i = 0`` (``-inf`` when every atom is active), and
        ``||r_+ - (D_+^T D_+)^-1 (D_+^T x - lam s_+)|| / ||r_+||`` (0 for an empty code,
        ``inf`` when ``D_+`` is singular).
    """
    X = torch.as_tensor(np.asarray(X), dtype=torch.float64)
    D = torch.as_tensor(np.asarray(D), dtype=torch.float64)
    return eq9_terms(X @ D, D.T @ D, torch.as_tensor(np.asarray(R), dtype=torch.float64), lam)


def eq9_terms(C: torch.Tensor, G: torch.Tensor, R: torch.Tensor, lam: float
              ) -> tuple[np.ndarray, np.ndarray]:
    """:func:`kkt_violation` from the float64 products ``C = X D`` and ``G = D^T D``, for a
    caller that holds them already (the encoder computes both for its solvers)."""
    active = R != 0
    corr = C - _times_gram(R, G, active)  # = (x - D r) . d_i for every atom
    gap = torch.where(active, -torch.inf, corr.abs() - lam).amax(dim=1)
    closed, ok = solve_on_support(G, C - lam * torch.sign(R), active)
    norm = torch.linalg.vector_norm(R, dim=1)
    err = torch.linalg.vector_norm(R - closed, dim=1) / torch.where(norm > 0, norm, 1.0)
    err = torch.where(ok, err, torch.inf)
    return gap.cpu().numpy(), err.cpu().numpy()


def _times_gram(R: torch.Tensor, G: torch.Tensor, active: torch.Tensor) -> torch.Tensor:
    """``R G``; by the nonzeros of ``R`` (``active``) where codes are sparse (below one atom
    in _SPARSE_SHARE), where a dense product would spend nearly all its time on zeros."""
    if R.device.type != "cpu" or active.float().mean() > 1 / _SPARSE_SHARE:
        return R @ G
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Sparse CSR tensor support is in beta")
        return R.to_sparse_csr() @ G


def passes_eq9(inactive: np.ndarray, active: np.ndarray, tol_inactive: float = 1e-5,
               tol_active: float = 1e-4) -> np.ndarray:
    """Per image, True where both conditions of Eq. 9 hold (see :func:`kkt_violation`)."""
    return (np.asarray(inactive) < tol_inactive) & (np.asarray(active) < tol_active)
