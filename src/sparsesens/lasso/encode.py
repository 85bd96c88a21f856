"""``encode``: exact lasso codes of many images, each certified by Eq. 9."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch

from sparsesens.lasso import native
from sparsesens.lasso.certificate import eq9_terms, passes_eq9
from sparsesens.lasso.chain import chain_for, run_chain
from sparsesens.lasso.fista import gram_majorizer
from sparsesens.lasso.options import EncodeOptions
from sparsesens.lasso.polish import polish
from sparsesens.lasso.problem import Problem


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


def encode(X: np.ndarray, D: np.ndarray, lam: float, options: EncodeOptions | None = None,
           *, device: torch.device | str = "cpu",
           progress: Callable[[int], None] | None = None) -> EncodeResult:
    """Exact lasso codes of many images, each certified by Eq. 9.

    Each batch of images goes through a chain of solvers (:mod:`sparsesens.lasso.chain`),
    each on the images the ones before left open; ``options.solver`` picks the chain, and
    every chain ends in the same certificate:

    - ``"lars"``: every image follows its LARS-lasso path from the zero code in compiled
      code, one image at a time, threads sharing the images (:func:`native.lars`); its
      steps cost as the support. CPU only, where the kernel could be built (an error
      before any work otherwise). Images it leaves (a failed final check) go on as the
      active set's below.
    - ``"homotopy"``: every image follows its solution path from the zero code
      (:func:`homotopy`, at most ``max_events`` events), then one closed-form round in
      float64 makes the code exact to rounding. Exact whatever the support size.
    - ``"fista"``: FISTA (:func:`fista`) in stages, the first of ``fista_iter`` steps,
      each next one twice as long; after each stage the rows whose support barely moved
      during the stage's last tenth, and every row with a small support, get up to
      ``polish_rounds`` active-set rounds (:func:`polish`; a large support still far off
      gives up after the first); rows that settle are done, the others go on with FISTA
      where they stood.
    - ``"active_set"``: from the zero code, atoms enter a few at a time by their
      correlations and a line search lets atoms leave (:func:`active_set`); its work
      grows with the support, so it suits sparse codes. Rows whose support would grow
      past 48 atoms go on along their homotopy paths from where it stopped when they are
      at most a tenth of the batch, else with ``"hybrid"``'s FISTA stages and homotopy.
    - ``"hybrid"`` (the default): as ``"lars"`` on the CPU where the kernel could be
      built. Otherwise, where the active set settles 90 % of a probe of the batch's first
      64 images, as ``"active_set"``; else the first five FISTA stages settle nearly
      every image and the homotopy solves the few left from their last iterate (trimmed
      of its tiny coefficients), so their paths are short.

    An image the homotopy gives up on goes through the FISTA stages; one still open after
    ``max_fista_iter`` steps goes to exact coordinate descent.

    Args:
        X: (N, m) images.
        D: (m, n) dictionary with unit-norm columns.
        lam: sparsity weight, > 0.
        options: how to solve and certify (:class:`EncodeOptions`; its defaults when
            None).
        device: where the batched work runs (the CPU or a CUDA device).
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
    opts = EncodeOptions() if options is None else options
    if not isinstance(opts, EncodeOptions):
        raise TypeError(f"options must be an EncodeOptions, got {type(opts).__name__}")
    device = torch.device(device)
    if opts.solver == "lars" and (device.type != "cpu" or not native.available()):
        raise ValueError(f"solver 'lars' needs the CPU and the compiled kernel; device is "
                         f"{device}, kernel available: {native.available()} (the log says "
                         f"why not); the other solvers need neither")
    D64 = torch.as_tensor(D, device=device)
    G64 = D64.T @ D64
    G32 = G64.float()
    # only FISTA needs it: where the active set settles every image it is never computed
    majorizer = functools.cache(lambda: gram_majorizer(G32))
    G_cpu = G64.cpu()
    G_np = G_cpu.numpy()
    chain = chain_for(opts.solver, device)
    codes = np.zeros((X.shape[0], D.shape[1]))
    inactive, active = np.empty(X.shape[0]), np.empty(X.shape[0])
    n_fallback = 0
    for start in range(0, X.shape[0], opts.chunk_size):
        Xb = torch.as_tensor(X[start:start + opts.chunk_size], device=device,
                             dtype=torch.float64)
        problem = Problem(Xb @ D64, G64, G32, majorizer, lam, D.shape[0])
        result, open_rows = run_chain(problem, chain, opts)
        for row in open_rows:
            n_fallback += 1
            result[row] = _fallback(problem, row, Xb[row], D, G_np, result[row], opts)
        stop = start + len(result)
        codes[start:stop] = result.cpu().numpy()
        # the certificate starts from the same float64 products C and G as the solvers,
        # which it would otherwise compute again; its arithmetic is its own, on the CPU
        inactive[start:stop], active[start:stop] = eq9_terms(
            problem.C64.cpu(), G_cpu, result.cpu(), lam)
        if progress is not None:
            progress(len(result))
    certified = passes_eq9(inactive, active, opts.tol_inactive, opts.tol_active)
    return EncodeResult(codes, inactive, active, certified, n_fallback)


def _fallback(problem: Problem, row: int, x: torch.Tensor, D: np.ndarray, G_np: np.ndarray,
              guess: torch.Tensor, opts: EncodeOptions) -> torch.Tensor:
    """Image ``row`` (``x``), which the other solvers left open: coordinate descent from
    its best guess."""
    r = coordinate_descent(x.cpu().numpy(), D, problem.lam, guess.cpu().numpy(), G_np)
    # a coordinate-descent code has nearly the right support: a few more rounds are cheap
    # for one row and make it exact
    polished, _ = polish(problem.C64[row:row + 1], problem.G64,
                         torch.as_tensor(r, device=x.device)[None], problem.lam,
                         3 * opts.polish_rounds, opts.add_margin)
    return polished[0]


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
