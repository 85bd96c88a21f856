"""Exact lasso codes and their certificate (the paper's Eq. 9).

For a dictionary ``D`` (m x n, unit-norm columns) and an image ``x`` the code is

    r(x) = argmin_r 1/2 ||x - D r||^2 + lam ||r||_1 .

``encode`` solves it for many images at once in three stages, all in coefficient space
(with the Gram matrix ``G = D^T D`` and the correlations ``C = X D``, so a round costs one
n x n product per image rather than an image-space residual):

1. accelerated proximal gradient (FISTA with adaptive restart), in stages of growing
   length, which finds the support;
2. after each stage, for the images whose support stopped moving, a batched primal
   active-set polish: on the signed support S solve the closed form of Eq. 4,
   ``G_SS r_S = c_S - lam s_S``, drop atoms whose sign flipped, add inactive atoms whose
   correlation exceeds ``lam``, until nothing changes; unsettled images go on with FISTA;
3. exact coordinate descent (scikit-learn's ``Lasso`` on the Gram matrix) for images still
   open after the FISTA budget, followed by one more polish.

``kkt_violation`` then checks every image independently against Eq. 9.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch

# Largest padded batch of active-set systems, in matrix entries (256 MiB in float64).
_SOLVE_BUDGET = 1 << 25
# Rows per padded group: sorted by support size, neighbours pad little.
_GROUP_ROWS = 128


@dataclass
class EncodeResult:
    """Codes of a batch of images and their Eq. 9 certificate.

    Attributes:
        codes: (N, n_atoms) float64 lasso codes.
        kkt_inactive: (N,) largest ``|d_i . (x - D r)| - lam`` over inactive atoms.
        kkt_active: (N,) relative error of the active code to the closed form of Eq. 4.
        certified: (N,) True where both conditions of Eq. 9 hold.
        n_fallback: images that needed the coordinate-descent fallback.
    """

    codes: np.ndarray
    kkt_inactive: np.ndarray
    kkt_active: np.ndarray
    certified: np.ndarray
    n_fallback: int

    @property
    def n_failed(self) -> int:
        """Images whose codes do not pass Eq. 9."""
        return int((~self.certified).sum())


def soft_threshold(u: torch.Tensor, threshold: float | torch.Tensor) -> torch.Tensor:
    """The shrinkage function S of Eq. 3, elementwise."""
    return torch.sign(u) * torch.clamp(u.abs() - threshold, min=0)


def fista(C: torch.Tensor, G: torch.Tensor, lam: float, n_iter: int,
          R0: torch.Tensor | None = None, step: float | None = None) -> torch.Tensor:
    """``n_iter`` FISTA steps on the lasso in coefficient space, with adaptive restart.

    The momentum of a row is reset whenever it points against the last proximal step
    (the gradient restart of O'Donoghue and Candes, 2015), which keeps FISTA fast on the
    ill-conditioned Gram matrices of coherent dictionaries.

    Args:
        C: (B, n) correlations ``X D``.
        G: (n, n) Gram matrix ``D^T D``.
        lam: sparsity weight.
        n_iter: number of steps.
        R0: (B, n) starting codes; zeros when omitted.
        step: step size; ``1 / largest eigenvalue of G`` when omitted.

    Returns:
        (B, n) codes after the last step.
    """
    if step is None:
        step = 1.0 / float(torch.linalg.eigvalsh(G.double()).max())
    R = torch.zeros_like(C) if R0 is None else R0.clone()
    Y = R.clone()
    t = torch.ones((C.shape[0], 1), dtype=C.dtype, device=C.device)
    for _ in range(n_iter):
        R_next = soft_threshold(Y - step * (Y @ G - C), step * lam)
        restart = ((Y - R_next) * (R_next - R)).sum(dim=1, keepdim=True) > 0
        t = torch.where(restart, 1.0, t)
        t_next = (1.0 + torch.sqrt(1.0 + 4.0 * t * t)) / 2.0
        Y = R_next + ((t - 1.0) / t_next) * (R_next - R)
        R, t = R_next, t_next
    return R


def solve_on_support(G: torch.Tensor, rhs: torch.Tensor, active: torch.Tensor
                     ) -> tuple[torch.Tensor, torch.Tensor]:
    """Solve ``G[S_b, S_b] z_b = rhs[b, S_b]`` for every row b with support ``S_b``.

    Rows are grouped by support size and padded with identity blocks, so one batched
    factorisation serves many images without padding them all to the largest support.

    Args:
        G: (n, n) symmetric positive semi-definite matrix.
        rhs: (B, n) right-hand sides; only entries on the support are read.
        active: (B, n) boolean supports.

    Returns:
        ``(Z, ok)``: (B, n) solutions, zero off the support, and (B,) False where the
        system was singular.
    """
    Z = torch.zeros_like(rhs)
    ok = torch.ones(rhs.shape[0], dtype=torch.bool, device=rhs.device)
    sizes = active.sum(dim=1)
    order = torch.argsort(sizes)
    sorted_sizes = sizes[order].tolist()
    start = 0
    while start < len(order):
        # small groups of similar support size keep the padding (and the cubic cost) low
        stop = min(start + _GROUP_ROWS, len(order))
        kmax = sorted_sizes[stop - 1]
        if kmax ** 2 * (stop - start) > _SOLVE_BUDGET:
            stop = start + max(1, _SOLVE_BUDGET // kmax ** 2)
            kmax = sorted_sizes[stop - 1]
        rows = order[start:stop]
        start = stop
        if kmax == 0:
            continue
        # active atoms first in each row, then padding
        idx = torch.argsort((~active[rows]).to(torch.int8), dim=1, stable=True)[:, :kmax]
        valid = torch.arange(kmax, device=G.device)[None, :] < sizes[rows][:, None]
        block = G[idx[:, :, None], idx[:, None, :]]
        pair = valid[:, :, None] & valid[:, None, :]
        eye = torch.eye(kmax, dtype=G.dtype, device=G.device).expand_as(block)
        block = torch.where(pair, block, eye)
        b = torch.where(valid, rhs[rows].gather(1, idx), 0.0)
        L, info = torch.linalg.cholesky_ex(block)
        z = torch.cholesky_solve(b.unsqueeze(-1), L).squeeze(-1)
        good = info == 0
        z = torch.where(good[:, None] & valid, z, 0.0)
        out = torch.zeros((len(rows), Z.shape[1]), dtype=Z.dtype, device=Z.device)
        Z[rows] = out.scatter(1, idx, z)
        ok[rows] = good
    return Z, ok


def polish(C: torch.Tensor, G: torch.Tensor, R: torch.Tensor, lam: float, max_rounds: int,
           add_margin: float) -> tuple[torch.Tensor, torch.Tensor]:
    """Primal active-set rounds from the signed support of ``R`` (float64).

    Each round solves the closed form on the current signed support, drops atoms whose sign
    flipped and adds inactive atoms with ``|c_i - (G r)_i| > lam + add_margin`` with the sign
    of that correlation. A row is settled when a round changes nothing.

    Returns:
        ``(R, settled)``: the polished codes and a (B,) mask of rows that settled.
    """
    signs = torch.sign(R)
    active = signs != 0
    settled = torch.zeros(R.shape[0], dtype=torch.bool, device=R.device)
    R = R.clone()
    for _ in range(max_rounds):
        todo = torch.nonzero(~settled).squeeze(1)
        if len(todo) == 0:
            break
        act, sgn = active[todo], signs[todo]
        Z, ok = solve_on_support(G, C[todo] - lam * sgn, act)
        flipped = act & (torch.sign(Z) != sgn)
        corr = C[todo] - Z @ G
        violators = ~act & (corr.abs() > lam + add_margin)
        # drop sign flips first; only a sign-consistent row may grow its support
        grow = violators & ~flipped.any(dim=1, keepdim=True)
        new_active = (act & ~flipped) | grow
        new_signs = torch.where(grow, torch.sign(corr), torch.where(new_active, sgn, 0.0))
        R[todo] = torch.where(act & ~flipped, Z, 0.0)
        done = ok & ~flipped.any(dim=1) & ~violators.any(dim=1)
        settled[todo] = done
        active[todo], signs[todo] = new_active, new_signs
    return R, settled


def coordinate_descent(x: np.ndarray, D: np.ndarray, lam: float, r0: np.ndarray,
                       G: np.ndarray | None = None) -> np.ndarray:
    """Exact lasso code of one image by coordinate descent (scikit-learn), warm-started."""
    from sklearn.linear_model import Lasso

    m = D.shape[0]
    # scikit-learn scales the squared error by 1/(2 m): its alpha is lam / m
    model = Lasso(alpha=lam / m, fit_intercept=False, precompute=D.T @ D if G is None else G,
                  tol=1e-12, max_iter=100_000, warm_start=True, selection="cyclic")
    model.coef_ = r0.astype(np.float64).copy()
    model.fit(D, x.astype(np.float64))
    return model.coef_


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
    R = torch.as_tensor(np.asarray(R), dtype=torch.float64)
    active = R != 0
    corr = (X - R @ D.T) @ D
    gap = torch.where(active, -torch.inf, corr.abs() - lam).amax(dim=1)
    closed, ok = solve_on_support(D.T @ D, X @ D - lam * torch.sign(R), active)
    norm = torch.linalg.vector_norm(R, dim=1)
    err = torch.linalg.vector_norm(R - closed, dim=1) / torch.where(norm > 0, norm, 1.0)
    err = torch.where(ok, err, torch.inf)
    return gap.numpy(), err.numpy()


def passes_eq9(inactive: np.ndarray, active: np.ndarray, tol_inactive: float = 1e-5,
               tol_active: float = 1e-4) -> np.ndarray:
    """Per image, True where both conditions of Eq. 9 hold (see :func:`kkt_violation`)."""
    return (np.asarray(inactive) < tol_inactive) & (np.asarray(active) < tol_active)


def encode(X: np.ndarray, D: np.ndarray, lam: float, *, device: torch.device | str = "cpu",
           fista_iter: int = 100, max_fista_iter: int = 10_000, polish_rounds: int = 10,
           batch_size: int = 2000, tol_inactive: float = 1e-5, tol_active: float = 1e-4,
           progress: Callable[[int], None] | None = None) -> EncodeResult:
    """Exact lasso codes of many images, each certified by Eq. 9.

    FISTA runs in stages, the first of ``fista_iter`` steps, each next one twice as long.
    After each stage, the rows whose support barely moved during the stage's last tenth get
    ``polish_rounds`` active-set rounds; rows that settle are done, the others continue
    with FISTA from where they were. Rows still open after ``max_fista_iter`` steps go to
    exact coordinate descent.

    Args:
        X: (N, m) images.
        D: (m, n) dictionary with unit-norm columns.
        lam: sparsity weight, > 0.
        device: where the batched work runs (the CPU or a CUDA device).
        fista_iter: FISTA steps of the first stage.
        max_fista_iter: FISTA steps after which a row goes to the fallback.
        polish_rounds: active-set rounds per attempt.
        batch_size: images solved together.
        tol_inactive, tol_active: the tolerances of Eq. 9.
        progress: called with the number of images finished after each batch.

    Returns:
        An :class:`EncodeResult`. Images that fail Eq. 9 even after the fallback are kept
        in it and marked, never dropped.
    """
    X = np.asarray(X)
    D = np.asarray(D, dtype=np.float64)
    if X.ndim != 2 or D.ndim != 2 or X.shape[1] != D.shape[0]:
        raise ValueError(f"X {X.shape} and D {D.shape} do not fit: need (N, m) and (m, n)")
    if not lam > 0:
        raise ValueError(f"lam must be > 0, got {lam}")
    if fista_iter < 1 or max_fista_iter < fista_iter:
        raise ValueError(f"need 1 <= fista_iter <= max_fista_iter, got {fista_iter} and "
                         f"{max_fista_iter}")
    device = torch.device(device)
    D64 = torch.as_tensor(D, device=device)
    G64 = D64.T @ D64
    G32 = G64.float()
    step = 1.0 / float(torch.linalg.eigvalsh(G64).max())
    G_np = G64.cpu().numpy()
    codes = np.zeros((X.shape[0], D.shape[1]))
    n_fallback = 0
    for start in range(0, X.shape[0], batch_size):
        Xb = torch.as_tensor(X[start:start + batch_size], device=device, dtype=torch.float64)
        C64 = Xb @ D64
        result, open_rows = _encode_batch(C64, G64, G32, lam, step, fista_iter,
                                          max_fista_iter, polish_rounds, 0.1 * tol_inactive)
        for row in open_rows:
            n_fallback += 1
            r = coordinate_descent(Xb[row].cpu().numpy(), D, lam, result[row].cpu().numpy(),
                                   G_np)
            # a coordinate-descent code has nearly the right support: a few more rounds
            # are cheap for one row and make it exact
            r_t, _ = polish(C64[row:row + 1], G64, torch.as_tensor(r, device=device)[None],
                            lam, 3 * polish_rounds, 0.1 * tol_inactive)
            result[row] = r_t[0]
        codes[start:start + len(result)] = result.cpu().numpy()
        if progress is not None:
            progress(len(result))
    inactive, active = kkt_violation(X, D, codes, lam)
    certified = passes_eq9(inactive, active, tol_inactive, tol_active)
    return EncodeResult(codes, inactive, active, certified, n_fallback)


def _encode_batch(C64: torch.Tensor, G64: torch.Tensor, G32: torch.Tensor, lam: float,
                  step: float, fista_iter: int, max_fista_iter: int, polish_rounds: int,
                  add_margin: float) -> tuple[torch.Tensor, list[int]]:
    """Staged FISTA and polish for one batch; returns codes and the rows left open."""
    out = torch.zeros_like(C64)
    todo = torch.arange(C64.shape[0], device=C64.device)
    C32 = C64.float()
    R = torch.zeros_like(C32)
    done_iter, stage = 0, fista_iter
    while len(todo) and done_iter < max_fista_iter:
        stage = min(stage, max_fista_iter - done_iter)
        # the last tenth of the stage shows whether a row's support has stopped moving
        probe = max(1, stage // 10)
        C_todo = C32[todo]
        R = fista(C_todo, G32, lam, stage - probe, R0=R, step=step)
        signs = torch.sign(R)
        R = fista(C_todo, G32, lam, probe, R0=R, step=step)
        done_iter += stage
        stage *= 2  # rows still open are the hard ones: give them longer runs
        new_signs = torch.sign(R)
        changed = (new_signs != signs).sum(dim=1)
        size = (new_signs != 0).sum(dim=1)
        # a support still moving a lot would only make the polish cycle: wait for it
        ready = changed <= torch.clamp(size // 10, min=2)
        if done_iter >= max_fista_iter:
            ready[:] = True
        if not ready.any():
            continue
        attempt = torch.nonzero(ready).squeeze(1)
        polished, settled = polish(C64[todo[attempt]], G64, R[attempt].double(), lam,
                                   polish_rounds, add_margin)
        finished = attempt[settled]
        out[todo[finished]] = polished[settled]
        keep = torch.ones(len(todo), dtype=torch.bool, device=todo.device)
        keep[finished] = False
        # rows that never settled keep their best guess for the fallback
        if done_iter >= max_fista_iter:
            out[todo[attempt[~settled]]] = polished[~settled]
        todo, R = todo[keep], R[keep]
    return out, todo.tolist()
