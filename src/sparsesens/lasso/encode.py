"""``encode``: exact lasso codes of many images, each certified by Eq. 9."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch

from sparsesens.lasso import native
from sparsesens.lasso.active_set import active_set
from sparsesens.lasso.certificate import eq9_terms, passes_eq9
from sparsesens.lasso.fista import FistaState, Majorizer, fista_steps, gram_majorizer
from sparsesens.lasso.homotopy import homotopy
from sparsesens.lasso.options import EncodeOptions
from sparsesens.lasso.polish import polish

# Rows per homotopy call on the CPU: their inverses (rows x slots^2) stay near the cache.
_HOMOTOPY_ROWS_CPU = 256
# Hybrid: this many FISTA stages (with the polish), then the homotopy for the images left
# open, from their last iterate less the coefficients below _GUESS_TRIM of the row's
# largest: an untrimmed iterate carries many tiny coefficients, each an event for the path.
_HYBRID_STAGES = 5
_GUESS_TRIM = 0.1
# After a FISTA stage a row tries the polish when at most _READY of its support (or 2
# atoms) changed sign in the stage's last tenth, and gives up after the first round when
# that round would change more than _GIVE_UP of it: from further off, the rounds cycle.
_READY = 0.01
_GIVE_UP = 0.3
# A row with at most _SMALL_SUPPORT atoms tries the polish after every stage and never
# gives up early: its rounds cost little beside a FISTA step, and from the FISTA iterate
# they settle nearly always.
_SMALL_SUPPORT = 64
# Hybrid: the active-set solver, whose work grows with the support, goes first where
# codes are sparse. The first _PROBE_ROWS rows of a batch tell: if _PROBE_SHARE of them
# settle with at most _ACTIVE_SUPPORT atoms, the batch's other rows try it too (near
# that size the FISTA stages are as fast, and a small cap keeps a failed probe cheap).
# Atoms enter _ACTIVE_ATOMS per round: more enter with the wrong sign and leave again.
_PROBE_ROWS = 64
_PROBE_SHARE = 0.9
_ACTIVE_SUPPORT = 48
_ACTIVE_ATOMS = 8
_ACTIVE_ROUNDS = 50


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


@dataclass
class _Problem:
    """One batch of images in coefficient space: ``C = X D`` and ``G = D^T D``."""

    C64: torch.Tensor       # (B, n) correlations, float64
    G64: torch.Tensor       # (n, n) Gram matrix, float64
    G32: torch.Tensor       # the same in float32, for the large products
    majorizer: Callable[[], Majorizer]  # FISTA's metric, of G32, computed when first asked
    lam: float
    n_pixels: int           # m: no certified code has more active atoms (D_+ has rank m)

    def rows(self, rows: list[int]) -> _Problem:
        keep = torch.as_tensor(rows, device=self.C64.device)
        return _Problem(self.C64[keep], self.G64, self.G32, self.majorizer, self.lam,
                        self.n_pixels)


def encode(X: np.ndarray, D: np.ndarray, lam: float, *, device: torch.device | str = "cpu",
           progress: Callable[[int], None] | None = None, **options) -> EncodeResult:
    """Exact lasso codes of many images, each certified by Eq. 9.

    The solvers share the same certificate:

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
        device: where the batched work runs (the CPU or a CUDA device).
        progress: called with the number of images finished after each batch.
        **options: the fields of :class:`EncodeOptions` (solver, max_events, fista_iter,
            max_fista_iter, polish_rounds, batch_size, tol_inactive, tol_active).

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
    opts = EncodeOptions(**options)
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
    codes = np.zeros((X.shape[0], D.shape[1]))
    inactive, active = np.empty(X.shape[0]), np.empty(X.shape[0])
    n_fallback = 0
    for start in range(0, X.shape[0], opts.batch_size):
        Xb = torch.as_tensor(X[start:start + opts.batch_size], device=device,
                             dtype=torch.float64)
        problem = _Problem(Xb @ D64, G64, G32, majorizer, lam, D.shape[0])
        result, open_rows = _solve_batch(problem, opts)
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


def _solve_batch(problem: _Problem, opts: EncodeOptions) -> tuple[torch.Tensor, list[int]]:
    """One batch by the chosen solver; returns codes and the rows left for the fallback."""
    if opts.solver == "fista":
        return _staged_fista(problem, opts, opts.max_fista_iter)
    if opts.solver == "homotopy":
        return _path_solvers(problem, opts)
    if opts.solver == "lars" or (opts.solver == "hybrid" and _lars_here(problem)):
        R, open_rows = _lars_rows(problem, opts)
    else:
        started = _sparse_start(problem, opts)
        if started is None:
            # dense codes: the FISTA stages serve the whole batch better
            return _path_solvers(problem, opts)
        R, open_rows = started
    rows = len(problem.C64)
    if 0 < len(open_rows) <= (1 - _PROBE_SHARE) * rows:
        # a few rows were left: each iterate is optimal on part of its support (or for a
        # larger lam), so their paths from there are short, and they need neither the
        # FISTA stages' products nor their majorizer (an eigendecomposition of G)
        R[open_rows], left = _homotopy_batch(problem.rows(open_rows), opts, R0=R[open_rows])
        open_rows = [open_rows[i] for i in left]
    if open_rows:
        R[open_rows], left = _path_solvers(problem.rows(open_rows), opts)
        open_rows = [open_rows[i] for i in left]
    return R, open_rows


def _lars_here(problem: _Problem) -> bool:
    """Whether the compiled per-image path can serve this batch: on the CPU, once built."""
    return problem.C64.device.type == "cpu" and native.available()


def _lars_rows(problem: _Problem, opts: EncodeOptions) -> tuple[torch.Tensor, list[int]]:
    """Every row of the batch by the compiled LARS-lasso path; returns codes and the rows
    it left open (those whose final check failed: an atom it kept out as dependent on the
    active ones was needed, or rounding along the path misplaced an event)."""
    n = problem.G64.shape[0]
    R, settled = native.lars(problem.C64.numpy(), problem.G64.numpy(), problem.lam,
                             max_support=min(n, problem.n_pixels),
                             add_margin=opts.add_margin, n_threads=torch.get_num_threads())
    return torch.from_numpy(R), np.flatnonzero(~settled).tolist()


def _sparse_start(problem: _Problem, opts: EncodeOptions
                  ) -> tuple[torch.Tensor, list[int]] | None:
    """The active-set solver where codes are sparse: for ``active_set`` on every row; for
    ``hybrid`` on a probe of the batch first, and on the rest only where the probe
    settles (else None). Returns codes and the rows it left open."""
    rows = list(range(len(problem.C64)))
    if opts.solver != "hybrid":
        return _active_set_rows(problem, opts, rows)
    R, open_rows = _active_set_rows(problem, opts, rows[:_PROBE_ROWS])
    probe = min(_PROBE_ROWS, len(rows))
    if len(open_rows) > (1 - _PROBE_SHARE) * probe:
        return None
    rest, rest_open = _active_set_rows(problem, opts, rows[probe:])
    R[probe:] = rest[probe:]
    return R, open_rows + rest_open


def _active_set_rows(problem: _Problem, opts: EncodeOptions, rows: list[int]
                     ) -> tuple[torch.Tensor, list[int]]:
    """The active-set solver on ``rows`` of the batch; returns (B, n) codes (zero outside
    ``rows``) and the rows it left open."""
    R = torch.zeros_like(problem.C64)
    if not rows:
        return R, []
    part, settled = active_set(problem.rows(rows).C64, problem.G64, problem.lam,
                               atoms_per_round=_ACTIVE_ATOMS, max_rounds=_ACTIVE_ROUNDS,
                               max_support=_ACTIVE_SUPPORT, add_margin=opts.add_margin)
    R[rows] = part
    return R, [rows[i] for i in torch.nonzero(~settled).squeeze(1).tolist()]


def _path_solvers(problem: _Problem, opts: EncodeOptions) -> tuple[torch.Tensor, list[int]]:
    """From zero, the FISTA stages (but for ``homotopy``) and the homotopy for the rows
    they leave; returns codes and the rows left for the fallback."""
    R, open_rows, guess = torch.zeros_like(problem.C64), list(range(len(problem.C64))), None
    if opts.solver != "homotopy":
        # a few FISTA stages and the polish settle nearly every image ...
        budget = min(opts.fista_iter * (2 ** _HYBRID_STAGES - 1), opts.max_fista_iter)
        R, open_rows = _staged_fista(problem, opts, budget, polish_all_at_end=False)
        guess = _trim(R[open_rows])
    # ... the path solves the others exactly, whatever their support
    if open_rows:
        R[open_rows], left = _homotopy_batch(problem.rows(open_rows), opts, R0=guess)
        open_rows = [open_rows[i] for i in left]
    # the rare row the path gave up on gets the full FISTA stages
    if open_rows:
        R[open_rows], left = _staged_fista(problem.rows(open_rows), opts, opts.max_fista_iter)
        open_rows = [open_rows[i] for i in left]
    return R, open_rows


def _trim(R: torch.Tensor) -> torch.Tensor:
    """A FISTA iterate made a starting guess for the homotopy.

    An iterate still carries many tiny spurious coefficients, each of which would cost the
    path an event to remove, while the true atoms mostly have large ones: coefficients
    below ``_GUESS_TRIM`` of the row's largest are dropped.
    """
    peak = R.abs().amax(dim=1, keepdim=True)
    return torch.where(R.abs() > _GUESS_TRIM * peak, R, 0.0)


def _homotopy_batch(problem: _Problem, opts: EncodeOptions, R0: torch.Tensor | None = None
                    ) -> tuple[torch.Tensor, list[int]]:
    """Homotopy for one batch (from guesses ``R0``, else zero), then a float64
    closed-form round; returns codes and the rows left open."""
    C64 = problem.C64
    rows = C64.shape[0] if C64.device.type == "cuda" else _HOMOTOPY_ROWS_CPU
    R0 = torch.zeros_like(C64) if R0 is None else R0
    # rows with guesses of like size share a call: its slots are padded to the largest
    order = torch.argsort((R0 != 0).sum(dim=1), stable=True)
    R = torch.empty_like(C64)
    for i in range(0, C64.shape[0], rows):
        part = order[i:i + rows]
        R[part] = homotopy(C64[part], problem.G64, problem.lam, opts.max_events,
                           G_product=problem.G32, R0=R0[part])[0]
    # the path's large products ran in float32: one round on the support it found makes
    # each code the float64 closed form, and confirms (or corrects) the support
    R, settled = polish(C64, problem.G64, R, problem.lam, opts.polish_rounds, opts.add_margin)
    return R, torch.nonzero(~settled).squeeze(1).tolist()


def _staged_fista(problem: _Problem, opts: EncodeOptions, max_iter: int,
                  polish_all_at_end: bool = True) -> tuple[torch.Tensor, list[int]]:
    """FISTA in stages of growing length, each followed by the polish of the rows whose
    support stopped moving; returns codes and the rows left open after ``max_iter`` steps.

    A row tries the polish once its support barely moved in the stage's last tenth, and
    gives up at once where the support is still far off (``_GIVE_UP``); the rows left go
    on with FISTA where they stood. With ``polish_all_at_end`` every row left tries the
    last stage's polish without giving up (the rows left then go to the fallback with the
    polished guess); without it the rows left open return their last FISTA iterate.
    """
    C64, lam = problem.C64, problem.lam
    out = torch.zeros_like(C64)
    todo = torch.arange(C64.shape[0], device=C64.device)
    C32 = C64.float()
    state = FistaState.start(C32, None, problem.majorizer())
    done_iter, stage = 0, opts.fista_iter
    while len(todo) and done_iter < max_iter:
        stage = min(stage, max_iter - done_iter)
        state, ready, small = _fista_stage(C32[todo], problem, state, stage)
        done_iter += stage
        stage *= 2  # rows still open are the hard ones: give them longer runs
        last = done_iter >= max_iter and polish_all_at_end
        # (rows, give_up): the rows that try the polish, and when they stop early
        attempts = ([(torch.ones_like(ready), None)] if last
                    else [(small, None), (ready & ~small, _GIVE_UP)])
        finished = []
        for rows, give_up in attempts:
            attempt = torch.nonzero(rows).squeeze(1)
            if len(attempt) == 0:
                continue
            polished, settled = polish(C64[todo[attempt]], problem.G64,
                                       state.R[attempt].double(), lam, opts.polish_rounds,
                                       opts.add_margin, give_up=give_up)
            finished.append(attempt[settled])
            out[todo[attempt[settled]]] = polished[settled]
            if last:  # rows that never settled keep their best guess for the fallback
                out[todo[attempt[~settled]]] = polished[~settled]
        if not finished:
            continue
        keep = torch.ones(len(todo), dtype=torch.bool, device=todo.device)
        keep[torch.cat(finished)] = False
        todo, state = todo[keep], state.rows(keep)
    if not polish_all_at_end:
        # the rows left open keep their FISTA iterate, a guess for the next solver
        out[todo] = state.R.double()
    return out, todo.tolist()


def _fista_stage(C32: torch.Tensor, problem: _Problem, state: FistaState, steps: int
                 ) -> tuple[FistaState, torch.Tensor, torch.Tensor]:
    """``steps`` FISTA steps; also says which rows' supports have stopped moving (a
    support still moving a lot would only make the polish cycle) and which are small
    (``_SMALL_SUPPORT``)."""
    # the last tenth of the stage shows whether a row's support has stopped moving
    probe = max(1, steps // 10)
    state = fista_steps(C32, problem.G32, problem.lam, steps - probe, state, problem.majorizer())
    signs = torch.sign(state.R)
    state = fista_steps(C32, problem.G32, problem.lam, probe, state, problem.majorizer())
    new_signs = torch.sign(state.R)
    changed = (new_signs != signs).sum(dim=1)
    size = (new_signs != 0).sum(dim=1)
    return state, changed <= torch.clamp(_READY * size, min=2), size <= _SMALL_SUPPORT


def _fallback(problem: _Problem, row: int, x: torch.Tensor, D: np.ndarray, G_np: np.ndarray,
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
