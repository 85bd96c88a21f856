"""The lasso homotopy: exact codes by following each image's solution path, many images
at once (Osborne, Presnell and Turlach, 2000; Efron et al., 2004, the LARS-lasso path)."""

from __future__ import annotations

from dataclasses import dataclass, fields

import torch

from sparsesens.lasso.support import factor_blocks, padded_gram, slots

# Slots added at a time to the per-row active sets.
_SLOT_BLOCK = 16


def homotopy(C: torch.Tensor, G: torch.Tensor, lam: float, max_events: int,
             G_product: torch.Tensor | None = None, R0: torch.Tensor | None = None
             ) -> tuple[torch.Tensor, torch.Tensor]:
    """Exact lasso codes by following a solution path, many images at once (float64).

    The path is that of the tilted problem ``min_r 1/2 r'Gr - c'r + (1 - t) u'r + lam |r|_1``
    as ``t`` goes from 0 to 1, where the tilt vanishes and the lasso of the image remains.
    The tilt ``u`` makes a guess ``R0`` exactly optimal at ``t = 0``: its residual
    correlations become ``lam * sign`` on its support and 0 elsewhere. From the zero code
    (``R0`` omitted) this is the LARS-lasso homotopy in a parametrisation that ends at
    ``lam`` exactly; from a guess with nearly the right support, only the atoms on which the
    guess was wrong enter or leave on the way, so the path is short. Between events the
    code moves linearly; at an event one atom enters (its residual correlation reaches the
    bound) or leaves (its coefficient reaches zero). Each row keeps the inverse of its
    active Gram matrix, updated by rank-one steps, so an event costs one product with ``G``
    and a few passes over that inverse, never a factorisation. Rows that finish leave the
    batch in groups.

    Args:
        C: (B, n) correlations ``X D``, float64.
        G: (n, n) Gram matrix ``D^T D``, float64.
        lam: sparsity weight.
        max_events: events after which a row is given up (left not done).
        G_product: the Gram matrix for the one large product per event, and the precision
            of the inverses (a float32 copy is about twice as fast; the path itself stays
            in float64, and ``encode`` ends with a float64 closed-form round). ``G`` when
            omitted: then the codes are exact to rounding.
        R0: (B, n) guesses, zero when omitted. A row whose guessed atoms are linearly
            dependent starts from zero instead.

    Returns:
        ``(R, done)``: (B, n) codes and a (B,) mask of rows that reached ``t = 1``. A row
        is not done when it ran out of events or its active atoms became linearly
        dependent; its code is then only a point on the path.
    """
    B, n = C.shape
    G_product = G if G_product is None else G_product
    path = _start(C, G, lam, R0, G_product.dtype)
    R = torch.zeros_like(C)
    done = torch.zeros(B, dtype=torch.bool, device=C.device)
    for _ in range(max_events + 1):
        path = _retire(path, R, done)
        if len(path.rows) == 0:
            break
        event = _move_to_next_event(path, G_product, lam)
        _enter_or_leave(path, G, lam, event)
    _retire(path, R, done, everyone=True)
    return R, done


@dataclass
class _Path:
    """The live rows of a batched homotopy, each at its own point ``t`` of its path.

    Each row keeps K slots of active atoms and the inverse ``M`` of its active Gram matrix,
    padded with identity on free slots; inactive atoms are tracked by their residual
    correlations ``corr``, which move at ``U - G d`` along the path.
    """

    rows: torch.Tensor      # (b,) index of each live row in the batch
    idx: torch.Tensor       # (b, K) atom in each slot
    occ: torch.Tensor       # (b, K) slot holds an active atom
    coef: torch.Tensor      # (b, K) its coefficient
    d: torch.Tensor         # (b, K) its rate d coef / dt
    M: torch.Tensor         # (b, K, K) inverse of the active Gram matrix
    active: torch.Tensor    # (b, n) active atoms
    corr: torch.Tensor      # (b, n) on inactive atoms: c - G r - (1 - t) u
    U: torch.Tensor         # (b, n) the tilt: the correlations' rate before any product with G
    t: torch.Tensor         # (b,) point on the path, 0 to 1
    stopped: torch.Tensor   # (b,) reached t = 1, or broke
    broken: torch.Tensor    # (b,) its active atoms became linearly dependent
    # an atom that just left may not re-enter at the same point, nor one that just entered
    # leave: rounding would otherwise make them flicker
    no_entry: torch.Tensor  # (b,) atom barred from entering next (-1: none)
    no_exit: torch.Tensor   # (b,) slot barred from leaving next (-1: none)

    def keep(self, mask: torch.Tensor) -> _Path:
        return _Path(**{f.name: getattr(self, f.name)[mask] for f in fields(self)})

    def codes(self, n: int) -> torch.Tensor:
        """(b, n) codes at the current point of every row."""
        return torch.zeros((len(self.rows), n), dtype=self.coef.dtype,
                           device=self.coef.device).scatter_add_(1, self.idx,
                                                                 self.coef * self.occ)


@dataclass
class _Event:
    """What happens to each row at its next event: an atom enters, a slot leaves, or the
    row reaches the end of its path (neither)."""

    atom_in: torch.Tensor   # (b,) the atom that would enter
    slot_out: torch.Tensor  # (b,) the slot that would leave
    enter: torch.Tensor     # (b,)
    leave: torch.Tensor     # (b,)


def _start(C: torch.Tensor, G: torch.Tensor, lam: float, R0: torch.Tensor | None,
           mdt: torch.dtype) -> _Path:
    """Every row at ``t = 0``: the zero code, or its guess made exact for the tilted problem."""
    B, dev, dt = C.shape[0], C.device, C.dtype
    R0 = torch.zeros_like(C) if R0 is None else R0.to(dt)
    idx, occ, coef, M, ok = _start_slots(G, R0, mdt)
    if not ok.all():  # rows with linearly dependent guesses start from zero
        R0 = torch.where(ok[:, None], R0, 0.0)
        idx, occ, coef, M, _ = _start_slots(G, R0, mdt)
    active = R0 != 0
    sign0 = torch.sign(R0)
    # the tilt, doubling as the rate of the correlations before any product with G
    resid = C - R0 @ G if active.any() else C
    U = torch.where(active, resid - lam * sign0, resid)
    d = torch.bmm(M, torch.where(occ, U.gather(1, idx), 0.0).to(mdt).unsqueeze(-1))
    none = torch.full((B,), -1, dtype=torch.long, device=dev)
    flags = torch.zeros(B, dtype=torch.bool, device=dev)
    return _Path(rows=torch.arange(B, device=dev), idx=idx, occ=occ, coef=coef,
                 d=d.squeeze(-1).to(dt) * occ, M=M, active=active, corr=lam * sign0, U=U,
                 t=torch.zeros(B, dtype=dt, device=dev), stopped=flags, broken=flags.clone(),
                 no_entry=none, no_exit=none.clone())


def _retire(path: _Path, R: torch.Tensor, done: torch.Tensor, everyone: bool = False
            ) -> _Path:
    """Write the codes of the stopped rows (every row with ``everyone``) into ``R`` and
    ``done`` and drop them; only once they are an eighth of the batch, since dropping
    rows copies the whole state."""
    leaving = torch.ones_like(path.stopped) if everyone else path.stopped
    n_leaving = int(leaving.sum())
    if n_leaving == 0 or (not everyone and 8 * n_leaving < len(path.rows)):
        return path
    R[path.rows[leaving]] = path.keep(leaving).codes(R.shape[1])
    done[path.rows[leaving & path.stopped & ~path.broken]] = True
    return path.keep(~leaving)


def _move_to_next_event(path: _Path, G_product: torch.Tensor, lam: float) -> _Event:
    """Move every row linearly to its next event (or to ``t = 1``), and say what it is."""
    b, n = path.corr.shape
    ar = torch.arange(b, device=path.corr.device)
    dt, mdt = path.coef.dtype, path.M.dtype
    inf = torch.tensor(torch.inf, dtype=dt, device=path.corr.device)
    # rate of change of the inactive residual correlations along the path
    d_full = torch.zeros((b, n), dtype=dt, device=path.corr.device).scatter_add_(
        1, path.idx, path.d)
    rate = path.U - (d_full.to(mdt) @ G_product).to(dt)
    # next entry: |corr_j + g rate_j| reaches lam
    g_entry = ((lam * torch.sign(rate) - path.corr) / rate).clamp_(min=0)
    g_entry = torch.where(path.active | (rate == 0), inf, g_entry)
    _bar(g_entry, ar, path.no_entry, inf)
    g_in, atom_in = g_entry.min(dim=1)
    # next exit: an active coefficient reaches zero
    g_slot = torch.where(path.occ & (path.d * path.coef < 0), -path.coef / path.d, inf)
    _bar(g_slot, ar, path.no_exit, inf)
    g_out, slot_out = g_slot.min(dim=1)
    g_end = torch.where(path.stopped, 0.0, 1.0 - path.t)
    g_event = torch.minimum(g_in, g_out)
    gamma = torch.minimum(g_event, g_end)
    path.coef.addcmul_(gamma[:, None], path.d)
    path.corr = torch.where(path.active, path.corr, path.corr.addcmul(gamma[:, None], rate))
    path.t = path.t + gamma
    finish = g_end <= g_event
    path.stopped |= finish
    leave = ~finish & (g_out < g_in)
    return _Event(atom_in, slot_out, enter=~finish & ~leave, leave=leave)


def _bar(steps: torch.Tensor, ar: torch.Tensor, barred: torch.Tensor, inf: torch.Tensor
         ) -> None:
    """Set each row's step of its barred entry (``-1``: none) to infinity, in place."""
    column = barred.clamp(min=0)
    steps[ar, column] = torch.where(barred >= 0, inf, steps[ar, column])


def _enter_or_leave(path: _Path, G: torch.Tensor, lam: float, event: _Event) -> None:
    """At each row's event, add the entering atom to a free slot or empty the leaving slot:
    the inverse ``M`` and the rates ``d`` change by rank-one updates, in place."""
    enter, leave, j_in, p_out = event.enter, event.leave, event.atom_in, event.slot_out
    dt, mdt = path.coef.dtype, path.M.dtype
    if enter.any() and (path.occ[enter].all(dim=1)).any():
        path.idx, path.occ, path.coef, path.d, path.M = _grow_slots(
            path.idx, path.occ, path.coef, path.d, path.M)
    M, d, occ, idx = path.M, path.d, path.occ, path.idx
    ar = torch.arange(len(path.rows), device=d.device)
    K = M.shape[1]
    free_slot = (~occ).to(torch.int8).argmax(dim=1)
    # entering atom j into a free slot q: bordered inverse
    bb = G[idx, j_in[:, None]] * occ
    Mb = torch.bmm(M, bb.to(mdt).unsqueeze(-1)).squeeze(-1).to(dt)
    schur = G[j_in, j_in] - (bb * Mb).sum(1)
    bad = enter & (schur <= 1e-10)
    path.broken |= bad
    path.stopped |= bad
    enter = enter & ~bad
    schur = torch.where(enter, schur, 1.0)
    u_j = path.U.gather(1, j_in[:, None]).squeeze(1)
    delta = torch.where(enter, (u_j - (bb * d).sum(1)) / schur, 0.0)
    e_q = torch.nn.functional.one_hot(free_slot, K).to(dt)
    x_in = torch.where(enter[:, None], (Mb - e_q) / schur.sqrt()[:, None], 0.0)
    # leaving atom in slot p: Schur complement of the inverse
    col = M[ar, p_out, :].to(dt)  # M is symmetric: row p is column p
    m_pp = torch.where(leave, col[ar, p_out], 1.0)
    x_out = torch.where(leave[:, None], col / m_pp.sqrt()[:, None], 0.0)
    # both rank-one updates in one pass over M
    M.baddbmm_(torch.stack([x_in, x_out], dim=2).to(mdt),
               torch.stack([x_in, -x_out], dim=1).to(mdt))
    d = torch.where(enter[:, None], d - Mb * delta[:, None] + e_q * delta[:, None], d)
    d = torch.where(leave[:, None], d - col * (d[ar, p_out] / m_pp)[:, None], d)
    slot = torch.where(leave, p_out, free_slot)[:, None]
    changed = (enter | leave)[:, None]
    # the diagonal entry of a slot that changed: 1/schur after entry, identity after exit
    diag = M[ar, slot[:, 0], slot[:, 0]] - enter.to(mdt)
    M[ar, slot[:, 0], slot[:, 0]] = torch.where(leave, 1.0, diag)
    atom = torch.where(leave, idx[ar, p_out], j_in)[:, None]
    # per row one slot and one atom change: write them with scatters, not full masks
    occ.scatter_(1, slot, torch.where(changed, enter[:, None], occ.gather(1, slot)))
    idx.scatter_(1, slot, torch.where(changed, torch.where(enter, j_in, 0)[:, None],
                                      idx.gather(1, slot)))
    path.coef.scatter_(1, slot, torch.where(changed, 0.0, path.coef.gather(1, slot)))
    d.scatter_(1, slot, torch.where(leave[:, None], 0.0, d.gather(1, slot)))
    path.d = d
    path.active.scatter_(1, atom, torch.where(changed, enter[:, None],
                                              path.active.gather(1, atom)))
    corr_atom = path.corr.gather(1, atom)
    path.corr.scatter_(1, atom, torch.where(changed, lam * torch.sign(corr_atom), corr_atom))
    path.no_entry = torch.where(leave, atom[:, 0], -1)
    path.no_exit = torch.where(enter, free_slot, -1)


def _start_slots(G: torch.Tensor, R0: torch.Tensor, mdt: torch.dtype
                 ) -> tuple[torch.Tensor, ...]:
    """Slots of each row's guessed support and the inverse of its Gram matrix.

    Returns ``(idx, occ, coef, M, ok)``; ``ok`` is False where the guessed atoms are
    linearly dependent (the Cholesky factorisation failed).
    """
    B = R0.shape[0]
    active = R0 != 0
    largest = int(active.sum(dim=1).max()) if B else 0
    idx, occ = slots(active, largest + _SLOT_BLOCK)
    idx = torch.where(occ, idx, 0)
    coef = torch.where(occ, R0.gather(1, idx), 0.0)
    eye = torch.eye(idx.shape[1], dtype=mdt, device=G.device)
    M = eye.repeat(B, 1, 1)
    ok = torch.ones(B, dtype=torch.bool, device=R0.device)
    if largest > 0:
        # factorised in the inverse's precision: the path keeps it in that precision anyway
        L, ok = factor_blocks(padded_gram(G, idx.shape[1], mdt), G.shape[0], idx, occ)
        M = torch.cholesky_inverse(torch.where(ok[:, None, None], L, eye))
    return idx, occ, coef, M, ok


def _grow_slots(idx: torch.Tensor, occ: torch.Tensor, coef: torch.Tensor, d: torch.Tensor,
                M: torch.Tensor) -> tuple[torch.Tensor, ...]:
    """Append ``_SLOT_BLOCK`` free slots (identity block in ``M``) to every row."""
    b, K = idx.shape
    grown = torch.eye(K + _SLOT_BLOCK, dtype=M.dtype, device=M.device).repeat(b, 1, 1)
    grown[:, :K, :K] = M
    pad = [torch.cat([s, s.new_zeros((b, _SLOT_BLOCK))], 1) for s in (idx, occ, coef, d)]
    return (*pad, grown)
