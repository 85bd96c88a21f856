"""The active-set solver for sparse codes: atoms enter a few at a time by their
correlations, and a line search on the exact objective lets atoms leave, so that the
objective falls at every step (feature-sign search, Lee et al. 2007, with several atoms
entering per round and many images at once).

Each image keeps its active atoms in slots, so that the work of a step grows with the
support, not with the dictionary; only the correlations of all atoms, once per round,
cost a product with the whole Gram matrix.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import torch

from sparsesens.lasso.support import cholesky_solve, padded_gram

# Violations found in float32 count only above this; a row with none is scored in float64
# (float32 correlations err by up to about 1e-5 on MNIST's scaled images).
_SLACK = 1e-3
# Smallest Cholesky pivot of an active block taken as nonsingular (blocks have a unit
# diagonal: the pivot is the distance of an atom from the span of those before it).
_PIVOT = 1e-6


@dataclass
class _Slots:
    """Each row's active atoms in ``K`` slots: ``idx`` (B, K) atom indices, ``occ`` which
    slots hold an active atom, ``r`` their coefficients (zero in free slots) and ``sign``
    their signs. A free slot holds a padding atom
    (n + k, orthonormal to every atom) or an atom that left, so an atom may stand in two
    slots, only one of them occupied: scatters into atom space add or take the maximum."""

    idx: torch.Tensor
    occ: torch.Tensor
    r: torch.Tensor
    sign: torch.Tensor

    @classmethod
    def empty(cls, B: int, n: int, K: int, like: torch.Tensor) -> _Slots:
        idx = n + torch.arange(K, device=like.device).expand(B, K).clone()
        zeros = like.new_zeros((B, K))
        return cls(idx, torch.zeros((B, K), dtype=torch.bool, device=like.device), zeros,
                   zeros.clone())

    def take(self, rows: torch.Tensor, width: int | None = None) -> _Slots:
        return _Slots(*(getattr(self, f.name)[rows, :width] for f in fields(self)))

    def put(self, rows: torch.Tensor, part: _Slots) -> None:
        width = part.idx.shape[1]
        for f in fields(self):
            getattr(self, f.name)[rows, :width] = getattr(part, f.name)

    def codes(self, n: int) -> torch.Tensor:
        """(B, n) codes."""
        full = self.r.new_zeros((self.r.shape[0], n + self.r.shape[1]))
        return full.scatter_add(1, self.idx, self.r)[:, :n]


def active_set(C: torch.Tensor, G: torch.Tensor, lam: float, *, atoms_per_round: int,
               max_rounds: int, max_support: int, add_margin: float
               ) -> tuple[torch.Tensor, torch.Tensor]:
    """Exact lasso codes from zero, for rows whose supports stay small.

    Each round computes every atom's correlation with the residual, ``c - G r``, and lets
    the ``atoms_per_round`` most violating inactive atoms (``|c_i - (G r)_i| > lam +
    add_margin``) enter with the sign of that correlation. Then, until the signs agree, the
    closed form of Eq. 4 is solved on the active atoms (:func:`_agree`). A row is settled
    when a round finds no violator: its code is then the float64 closed form on a
    sign-consistent support.

    Args:
        C: (B, n) float64 correlations ``X D``.
        G: (n, n) float64 Gram matrix ``D^T D``.
        lam: sparsity weight.
        atoms_per_round: most atoms entering a row per round.
        max_rounds: rounds after which rows still open are returned unsettled.
        max_support: a row whose support could exceed this stops there, unsettled.
        add_margin: how far beyond ``lam`` a correlation must be for its atom to enter.

    Returns:
        ``(R, settled)``: (B, n) codes (a row's last iterate where unsettled) and the
        (B,) mask of settled rows.
    """
    B, n = C.shape
    K = max_support + atoms_per_round
    G_padded = padded_gram(G, K, G.dtype)
    C_padded = torch.cat([C, C.new_zeros((B, K))], 1)
    G32 = G.float()
    state = _Slots.empty(B, n, K, C)
    settled = torch.zeros(B, dtype=torch.bool, device=C.device)
    todo = torch.arange(B, device=C.device)
    for round_ in range(max_rounds):
        if len(todo) == 0:
            break
        part = state.take(todo)
        score, corr = _scores(C[todo], G, G32, part, lam + add_margin, round_ == 0)
        done = ~(score > 0).any(dim=1)
        settled[todo[done]] = True
        # a row that could outgrow its slots stops: the caller's other solver takes it
        grow = ~done & (part.occ.sum(dim=1) + atoms_per_round <= max_support)
        todo, part = todo[grow], part.take(grow)
        if len(todo) == 0:
            break
        part, first_new, width = _enter(part, score[grow], corr[grow], atoms_per_round)
        agreed, failed = _agree(part.take(slice(None), width), first_new,
                                G_padded, C_padded[todo], lam)
        part.put(slice(None), agreed)
        state.put(todo, part)
        todo = todo[~failed]
    return state.codes(n), settled


def _scores(C: torch.Tensor, G: torch.Tensor, G32: torch.Tensor, part: _Slots,
            threshold: float, first: bool) -> tuple[torch.Tensor, torch.Tensor]:
    """The correlations ``c - G r`` and their violations (:func:`_violation`).

    The product runs in float32, which is enough to let in atoms that violate by more
    than _SLACK; a violation that small is not trusted (it could be rounding), so a row
    with no larger one is scored again in float64, and settles or lets atoms in by that.
    """
    if first:  # r = 0: the correlations are the data's own
        return _violation(C, part, threshold), C
    corr = (C.float() - part.codes(C.shape[1]).float() @ G32).double()
    score = _violation(corr, part, threshold)
    clear = (score > _SLACK).any(dim=1, keepdim=True)
    score = torch.where(clear & (score <= _SLACK), -torch.inf, score)
    check = torch.nonzero(~clear.squeeze(1)).squeeze(1)
    if len(check):
        rows = part.take(check)
        corr[check] = C[check] - rows.codes(C.shape[1]) @ G
        score[check] = _violation(corr[check], rows, threshold)
    return score, corr


def _violation(corr: torch.Tensor, part: _Slots, threshold: float) -> torch.Tensor:
    """(B, n) how far each inactive atom's |correlation| exceeds ``threshold``; active
    atoms get -inf."""
    n = corr.shape[1]
    active = torch.zeros((corr.shape[0], n + part.idx.shape[1]), dtype=torch.int8,
                         device=corr.device).scatter_reduce(
        1, part.idx, part.occ.to(torch.int8), reduce="amax")[:, :n]
    return torch.where(active.bool(), -torch.inf, corr.abs() - threshold)


def _enter(part: _Slots, score: torch.Tensor, corr: torch.Tensor, k: int
           ) -> tuple[_Slots, torch.Tensor, int]:
    """Compact each row's active slots to the front and let its ``k`` most violating
    atoms enter the slots after them, with the signs of their correlations. Returns the
    slots, the (B,) slot of each row's most violating atom, and the width that holds
    every row's active slots."""
    order = torch.argsort((~part.occ).to(torch.int8), dim=1, stable=True)
    part = _Slots(*(getattr(part, f.name).gather(1, order) for f in fields(part)))
    # every free slot s now holds padding atom n + s again (atoms that left are gone), so
    # a gathered block is already the identity on free slots
    count = part.occ.sum(dim=1, keepdim=True)
    slot = torch.arange(part.idx.shape[1], device=score.device)
    part.idx = torch.where(part.occ, part.idx, score.shape[1] + slot)
    values, atoms = torch.topk(score, k, dim=1)
    new = values > 0  # sorted: a row's entering atoms come first
    pos = count + torch.arange(k, device=score.device)
    part.idx.scatter_(1, pos, torch.where(new, atoms, part.idx.gather(1, pos)))
    part.occ.scatter_(1, pos, new)
    part.sign.scatter_(1, pos, torch.where(new, torch.sign(corr.gather(1, atoms)), 0.0))
    width = int((count.squeeze(1) + new.sum(dim=1)).max())
    return part, count.squeeze(1), width


def _agree(part: _Slots, first_new: torch.Tensor, G_padded: torch.Tensor,
           C_padded: torch.Tensor, lam: float) -> tuple[_Slots, torch.Tensor]:
    """Steps until each row's closed form on its signed support agrees with the signs.

    An atom that just entered (coefficient still zero) and whose closed-form coefficient
    has the other sign leaves at once; a row keeps at least its most violating new atom,
    which alone always enters with the right sign (the code is optimal on the old
    support). Where an older coefficient would change sign, :func:`_line_search` moves
    the code. Where the block is singular, every new atom but the most violating leaves.
    Returns the slots and the (B,) mask of rows that failed (a block still singular with
    one new atom, or no agreement within the step limit).
    """
    B, W = part.idx.shape
    block = G_padded[part.idx[:, :, None], part.idx[:, None, :]]
    c = C_padded.gather(1, part.idx)
    eye = torch.eye(W, dtype=block.dtype, device=block.device)
    live = torch.ones(B, dtype=torch.bool, device=block.device)
    failed = torch.zeros_like(live)
    first = torch.nn.functional.one_hot(first_new.clamp(max=W - 1), W).bool()
    for _ in range(3 * W + 10):
        rows = torch.nonzero(live).squeeze(1)
        if len(rows) == 0:
            break
        p = part.take(rows)
        L, info = torch.linalg.cholesky_ex(block if len(rows) == B else block[rows])
        # a pivot this small: an atom within rounding of the others' span (a repeated
        # atom factors "successfully" with a pivot of 1e-8 or so)
        singular = (info != 0) | (L.diagonal(dim1=1, dim2=2).amin(dim=1) < _PIVOT)
        rhs = torch.where(p.occ, c[rows] - lam * p.sign, 0.0)
        z = torch.where(p.occ & ~singular[:, None], cholesky_solve(L, rhs), 0.0)
        wrong = p.occ & (torch.sign(z) != p.sign)
        bad = _new_atoms_leaving(p, wrong, singular, first[rows])
        leave = bad.any(dim=1)
        p.occ &= ~bad
        p.sign = torch.where(bad, 0.0, p.sign)
        _mask(block, rows[leave], p.occ[leave], eye)
        stuck = singular & ~leave
        clean = ~leave & ~singular & ~wrong.any(dim=1)
        p.r = torch.where(clean[:, None], z, p.r)
        step = ~leave & ~singular & ~clean
        if step.any():
            moved = _line_search(p.take(step), z[step], block[rows[step]], c[rows[step]],
                                 lam)
            for f in fields(p):
                getattr(p, f.name)[step] = getattr(moved, f.name)
            _mask(block, rows[step], moved.occ, eye)
        part.put(rows, p)
        failed[rows[stuck]] = True
        live[rows[clean | stuck]] = False
    failed |= live
    return part, failed


def _new_atoms_leaving(p: _Slots, wrong: torch.Tensor, singular: torch.Tensor,
                       first: torch.Tensor) -> torch.Tensor:
    """(B, W) the new atoms (coefficient still zero) that leave: those whose closed-form
    coefficient has the wrong sign, or, where the block is singular (a repeated atom, or
    more atoms than dimensions), all; but never the row's last new atom that is its most
    violating one (``first``)."""
    new = p.occ & (p.r == 0)
    bad = torch.where(singular[:, None], new & ~first, wrong & new)
    return bad & ~(first & ~(new & ~bad).any(dim=1, keepdim=True))


def _mask(block: torch.Tensor, rows: torch.Tensor, occ: torch.Tensor, eye: torch.Tensor
          ) -> None:
    """Make ``block[rows]`` the identity outside the occupied slots ``occ`` (atoms left)."""
    if len(rows):
        both = occ[:, :, None] & occ[:, None, :]
        block[rows] = torch.where(both, block[rows], eye)


def _line_search(p: _Slots, z: torch.Tensor, block: torch.Tensor, c: torch.Tensor,
                 lam: float) -> _Slots:
    """From code ``r`` towards the closed form ``z`` of its signed support, where some
    coefficients change sign: the exact objective is evaluated where each coefficient
    reaches zero and at ``z``, and the code moves to the best of these points; the
    coefficients zero there leave. The objective falls: before the first such point it
    is the closed form's quadratic, which falls all the way to ``z``."""
    d = z - p.r
    # (G r) and (G z) on the support: r is zero outside it, z solves its closed form
    gr = torch.bmm(block, p.r.unsqueeze(-1)).squeeze(-1)
    gz = torch.where(p.occ, c - lam * p.sign, 0.0)
    lin = torch.where(p.occ, d * (gr - c), 0.0).sum(dim=1, keepdim=True)
    quad = torch.where(p.occ, d * (gz - gr), 0.0).sum(dim=1, keepdim=True)
    cross = p.occ & (torch.sign(z) != p.sign)
    t = torch.where(cross, p.r / torch.where(cross, p.r - z, 1.0), torch.inf)
    cand = torch.cat([t, torch.ones_like(t[:, :1])], dim=1)
    finite = torch.isfinite(cand)
    cand0 = torch.where(finite, cand, 0.0)
    l1 = (p.r[:, None, :] + cand0[:, :, None] * d[:, None, :]).abs().sum(dim=2)
    f = torch.where(finite, cand0 * lin + 0.5 * cand0 ** 2 * quad + lam * l1, torch.inf)
    best = cand0.gather(1, f.argmin(dim=1, keepdim=True))
    r = torch.where(cross & (t == best), 0.0, p.r + best * d)
    occ = p.occ & (r != 0)
    return _Slots(p.idx, occ, torch.where(occ, r, 0.0), torch.sign(r))
