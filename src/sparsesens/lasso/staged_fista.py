"""FISTA in stages of growing length, each followed by the polish of the settled rows."""

from __future__ import annotations

import torch

from sparsesens.lasso.fista import FistaState, fista_steps
from sparsesens.lasso.options import EncodeOptions
from sparsesens.lasso.polish import polish
from sparsesens.lasso.problem import Problem

# After a stage a row tries the polish when at most _READY of its support (or 2 atoms)
# changed sign in the stage's last tenth, and gives up after the first round when that
# round would change more than _GIVE_UP of it: from further off, the rounds cycle.
_READY = 0.01
_GIVE_UP = 0.3
# A row with at most _SMALL_SUPPORT atoms tries the polish after every stage and never
# gives up early: its rounds cost little beside a FISTA step, and from the FISTA iterate
# they settle nearly always.
_SMALL_SUPPORT = 64


def staged_fista(problem: Problem, opts: EncodeOptions, max_iter: int,
                 polish_all_at_end: bool = True) -> tuple[torch.Tensor, list[int]]:
    """FISTA from the zero code in stages (the first of ``opts.fista_iter`` steps, each next
    one twice as long), each followed by the polish of the rows whose support stopped
    moving; returns codes and the rows left open after ``max_iter`` steps.

    A row tries the polish once its support barely moved in the stage's last tenth, and
    gives up at once where the support is still far off (``_GIVE_UP``); the rows left go
    on with FISTA where they stood. With ``polish_all_at_end`` every row left tries the
    last stage's polish without giving up (the rows left then keep the polished guess);
    without it the rows left open return their last FISTA iterate.
    """
    C64, lam = problem.C64, problem.lam
    out = torch.zeros_like(C64)
    todo = torch.arange(C64.shape[0], device=C64.device)
    C32 = C64.float()
    state = FistaState.start(C32, None, problem.majorizer())
    done_iter, stage = 0, opts.fista_iter
    while len(todo) and done_iter < max_iter:
        stage = min(stage, max_iter - done_iter)
        state, ready, small = _stage(C32[todo], problem, state, stage)
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


def _stage(C32: torch.Tensor, problem: Problem, state: FistaState, steps: int
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
