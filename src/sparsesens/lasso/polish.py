"""The primal active-set polish: from a code with nearly the right signed support, the
closed form of Eq. 4 on that support, corrected until nothing changes."""

from __future__ import annotations

import torch

from sparsesens.lasso.support import solve_on_support


def polish(C: torch.Tensor, G: torch.Tensor, R: torch.Tensor, lam: float, max_rounds: int,
           add_margin: float, give_up: float | None = None
           ) -> tuple[torch.Tensor, torch.Tensor]:
    """Primal active-set rounds from the signed support of ``R`` (float64).

    Each round solves the closed form on the current signed support, drops atoms whose sign
    flipped and adds inactive atoms with ``|c_i - (G r)_i| > lam + add_margin`` with the sign
    of that correlation. A row is settled when a round changes nothing.

    Args:
        give_up: a row whose first round would change more than this fraction of its
            support (and more than 2 atoms) stops there, unsettled: from so far off the
            rounds cost more than they are likely to settle. None: no row stops early.

    Returns:
        ``(R, settled)``: the polished codes and a (B,) mask of rows that settled.
    """
    signs = torch.sign(R)
    active = signs != 0
    settled = torch.zeros(R.shape[0], dtype=torch.bool, device=R.device)
    live = torch.ones_like(settled)
    R = R.clone()
    for round_ in range(max_rounds):
        todo = torch.nonzero(live & ~settled).squeeze(1)
        if len(todo) == 0:
            break
        act, sgn = active[todo], signs[todo]
        Z, ok = solve_on_support(G, C[todo] - lam * sgn, act)
        flipped = act & (torch.sign(Z) != sgn)
        corr = C[todo] - Z @ G
        violators = ~act & (corr.abs() > lam + add_margin)
        if round_ == 0 and give_up is not None:
            changes = (flipped | violators).sum(dim=1)
            live[todo] = changes <= torch.clamp(give_up * act.sum(dim=1), min=2)
        # drop the flips and add the violators at once: rows settle after fewer solves
        # than when a row with flips may not grow in the same round
        new_active = (act & ~flipped) | violators
        new_signs = torch.where(violators, torch.sign(corr),
                                torch.where(new_active, sgn, 0.0))
        R[todo] = torch.where(act & ~flipped, Z, 0.0)
        done = ok & ~flipped.any(dim=1) & ~violators.any(dim=1)
        settled[todo] = done
        active[todo], signs[todo] = new_active, new_signs
    return R, settled
