"""The encoder's strategy: a chain of solvers, each on the images the ones before left open.

Every solver of a chain has one shape (:class:`Solver`): codes for every image of a
:class:`Problem` from given starting codes, and the images it left open. A :class:`Link`
adds what its images start from and whether it runs only when a few are left;
:func:`run_chain` runs the links in turn, each on the images still open, and
:func:`chain_for` names the chain of each ``solver`` setting. What stays open after the
last link goes to the encoder's coordinate-descent fallback.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol

import numpy as np
import torch

from sparsesens.lasso import native
from sparsesens.lasso.active_set import active_set
from sparsesens.lasso.homotopy import homotopy
from sparsesens.lasso.options import EncodeOptions
from sparsesens.lasso.polish import polish
from sparsesens.lasso.problem import Problem
from sparsesens.lasso.staged_fista import staged_fista

# Rows per homotopy call on the CPU: their inverses (rows x slots^2) stay near the cache.
_HOMOTOPY_ROWS_CPU = 256
# The dense chain: this many FISTA stages (with the polish), then the homotopy for the
# images left open, from their last iterate less the coefficients below _GUESS_TRIM of the
# row's largest: an untrimmed iterate carries many tiny coefficients, each an event for
# the path.
_DENSE_STAGES = 5
_GUESS_TRIM = 0.1
# The active set, whose work grows with the support, goes first where codes are sparse.
# Under "hybrid" the first _PROBE_ROWS rows of a batch tell: if _PROBE_SHARE of them
# settle with at most the options' active_max_support atoms, the batch's other rows try
# it too. Atoms enter _ACTIVE_ATOMS per round: more enter with the wrong sign and leave
# again.
_PROBE_ROWS = 64
_PROBE_SHARE = 0.9
_ACTIVE_ATOMS = 8
_ACTIVE_ROUNDS = 50
# A link marked only_few runs when at most this share of the batch is open.
_FEW = 1 - _PROBE_SHARE

Start = Literal["zero", "last", "trimmed"]


class Solver(Protocol):
    """One solver of a chain."""

    def __call__(self, problem: Problem, R0: torch.Tensor, opts: EncodeOptions
                 ) -> tuple[torch.Tensor, list[int]]:
        """Codes (B, n) of every row of ``problem`` from starts ``R0`` (a solver that
        always starts from zero ignores them), and the rows it left open."""


@dataclass(frozen=True)
class Link:
    """A solver in a chain.

    Attributes:
        solver: the solver.
        start: what each open row starts from: ``"zero"``, its ``"last"`` code from the
            links before, or that code ``"trimmed"`` of its tiny coefficients.
        only_few: run only when at most a tenth of the batch is open (else skip to the
            next link).
    """

    solver: Solver
    start: Start = "zero"
    only_few: bool = False


def run_chain(problem: Problem, chain: tuple[Link, ...], opts: EncodeOptions
              ) -> tuple[torch.Tensor, list[int]]:
    """Every link in turn on the rows still open; returns codes (a row left open keeps
    its last code, a guess for the fallback) and the rows left open."""
    R = torch.zeros_like(problem.C64)
    open_rows = list(range(len(R)))
    for link in chain:
        if not open_rows:
            break
        if link.only_few and len(open_rows) > _FEW * len(R):
            continue
        part = problem if len(open_rows) == len(R) else problem.rows(open_rows)
        R[open_rows], left = link.solver(part, _starts(R[open_rows], link.start), opts)
        open_rows = [open_rows[i] for i in left]
    return R, open_rows


def chain_for(solver: str, device: torch.device) -> tuple[Link, ...]:
    """The chain of a ``solver`` setting (see :func:`sparsesens.lasso.encode`)."""
    dense = (Link(FistaStages(_DENSE_STAGES, polish_all_at_end=False)),
             Link(Homotopy(), start="trimmed"), Link(FistaStages()))
    if solver == "fista":
        return (Link(FistaStages()),)
    if solver == "homotopy":
        return (Link(Homotopy()), Link(FistaStages()))
    if solver == "lars" or (solver == "hybrid" and lars_here(device)):
        first = Link(CompiledLars())
    else:
        first = Link(ActiveSet(probe=solver == "hybrid"))
    # the few rows the first leaves are optimal on part of their support (or for a larger
    # lam), so their paths from there are short, and they need neither the FISTA stages'
    # products nor their majorizer (an eigendecomposition of G)
    return (first, Link(Homotopy(), start="last", only_few=True), *dense)


def lars_here(device: torch.device) -> bool:
    """Whether the compiled per-image path can serve: on the CPU, once built."""
    return device.type == "cpu" and native.available()


def _starts(R: torch.Tensor, start: Start) -> torch.Tensor:
    if start == "zero":
        return torch.zeros_like(R)
    if start == "last":
        return R
    # a FISTA iterate still carries many tiny spurious coefficients, each of which would
    # cost the path an event to remove, while the true atoms mostly have large ones
    peak = R.abs().amax(dim=1, keepdim=True)
    return torch.where(R.abs() > _GUESS_TRIM * peak, R, 0.0)


@dataclass(frozen=True)
class CompiledLars:
    """Every row by its LARS-lasso path from zero in compiled code (:func:`native.lars`);
    leaves open the rows whose final check failed (an atom kept out as dependent on the
    active ones was needed, or rounding along the path misplaced an event)."""

    def __call__(self, problem: Problem, R0: torch.Tensor, opts: EncodeOptions
                 ) -> tuple[torch.Tensor, list[int]]:
        n = problem.G64.shape[0]
        R, settled = native.lars(problem.C64.numpy(), problem.G64.numpy(), problem.lam,
                                 max_support=min(n, problem.n_pixels),
                                 add_margin=opts.add_margin, n_threads=torch.get_num_threads())
        return torch.from_numpy(R), np.flatnonzero(~settled).tolist()


@dataclass(frozen=True)
class ActiveSet:
    """The active set from zero (:func:`active_set`), its support capped where codes are
    dense. With ``probe`` it first solves the batch's first rows and declines the batch
    (every row open, zero codes) unless nearly all of them settle."""

    probe: bool = False

    def __call__(self, problem: Problem, R0: torch.Tensor, opts: EncodeOptions
                 ) -> tuple[torch.Tensor, list[int]]:
        rows = list(range(len(problem.C64)))
        if not self.probe:
            return _active_set_rows(problem, opts, rows)
        R, open_rows = _active_set_rows(problem, opts, rows[:_PROBE_ROWS])
        probed = min(_PROBE_ROWS, len(rows))
        if len(open_rows) > (1 - _PROBE_SHARE) * probed:
            return torch.zeros_like(problem.C64), rows  # dense codes: the links after serve
        rest, rest_open = _active_set_rows(problem, opts, rows[probed:])
        R[probed:] = rest[probed:]
        return R, open_rows + rest_open


def _active_set_rows(problem: Problem, opts: EncodeOptions, rows: list[int]
                     ) -> tuple[torch.Tensor, list[int]]:
    """The active set on ``rows`` of the batch; returns (B, n) codes (zero outside
    ``rows``) and the rows it left open."""
    R = torch.zeros_like(problem.C64)
    if not rows:
        return R, []
    part, settled = active_set(problem.rows(rows).C64, problem.G64, problem.lam,
                               atoms_per_round=_ACTIVE_ATOMS, max_rounds=_ACTIVE_ROUNDS,
                               max_support=opts.active_max_support, add_margin=opts.add_margin)
    R[rows] = part
    return R, [rows[i] for i in torch.nonzero(~settled).squeeze(1).tolist()]


@dataclass(frozen=True)
class Homotopy:
    """Every row along its solution path from its start (:func:`homotopy`, at most
    ``max_events`` events), then a float64 closed-form round: the path's large products ran
    in float32, and the round on the support it found makes each code the float64 closed
    form, and confirms (or corrects) the support."""

    def __call__(self, problem: Problem, R0: torch.Tensor, opts: EncodeOptions
                 ) -> tuple[torch.Tensor, list[int]]:
        C64 = problem.C64
        rows = C64.shape[0] if C64.device.type == "cuda" else _HOMOTOPY_ROWS_CPU
        # rows with starts of like size share a call: its slots are padded to the largest
        order = torch.argsort((R0 != 0).sum(dim=1), stable=True)
        R = torch.empty_like(C64)
        for i in range(0, C64.shape[0], rows):
            part = order[i:i + rows]
            R[part] = homotopy(C64[part], problem.G64, problem.lam, opts.max_events,
                               G_product=problem.G32, R0=R0[part])[0]
        R, settled = polish(C64, problem.G64, R, problem.lam, opts.polish_rounds,
                            opts.add_margin)
        return R, torch.nonzero(~settled).squeeze(1).tolist()


@dataclass(frozen=True)
class FistaStages:
    """FISTA in stages with the polish (:func:`staged_fista`): ``stages`` of them where
    given, each next one twice as long, and the rows left open keep their last iterate;
    else up to ``max_fista_iter`` steps, the rows left open keeping a polished guess."""

    stages: int | None = None
    polish_all_at_end: bool = True

    def __call__(self, problem: Problem, R0: torch.Tensor, opts: EncodeOptions
                 ) -> tuple[torch.Tensor, list[int]]:
        budget = opts.max_fista_iter
        if self.stages is not None:
            budget = min(opts.fista_iter * (2 ** self.stages - 1), budget)
        return staged_fista(problem, opts, budget, self.polish_all_at_end)
