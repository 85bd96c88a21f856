"""Linear algebra on the active set: batched closed-form solves on each row's support,
and the slots in which the homotopy keeps its active atoms."""

from __future__ import annotations

import torch

# Largest padded batch of active-set systems, in matrix entries (256 MiB in float64).
_SOLVE_BUDGET = 1 << 25
# Rows per padded group: sorted by support size, neighbours pad little.
_GROUP_ROWS = 128


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
    # one bordered Gram matrix serves every group: the largest group needs the most borders
    G_padded = padded_gram(G, sorted_sizes[-1] if sorted_sizes else 0, G.dtype)
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
        idx, valid = slots(active[rows], kmax)
        L, good = factor_blocks(G_padded, G.shape[0], idx, valid)
        b = torch.where(valid, rhs[rows].gather(1, idx), 0.0)
        z = cholesky_solve(L, b)
        z = torch.where(good[:, None] & valid, z, 0.0)
        out = torch.zeros((len(rows), Z.shape[1]), dtype=Z.dtype, device=Z.device)
        Z[rows] = out.scatter(1, idx, z)
        ok[rows] = good
    return Z, ok


def cholesky_solve(L: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Solve ``L L^T z = b`` for each batch row: (B, K, K) lower factors, (B, K) sides."""
    # two triangular solves: torch.cholesky_solve copies each factor first, which costs
    # more than the solves themselves at these sizes
    y = torch.linalg.solve_triangular(L, b.unsqueeze(-1), upper=False)
    return torch.linalg.solve_triangular(L.mT, y, upper=True).squeeze(-1)


def slots(active: torch.Tensor, K: int) -> tuple[torch.Tensor, torch.Tensor]:
    """``K`` slots per row: its active atoms first, then inactive ones as padding.

    Returns ``(idx, occ)``: (B, K) atom indices and the mask of slots holding active atoms.
    """
    B, n = active.shape
    idx = torch.argsort((~active).to(torch.int8), dim=1, stable=True)[:, :K]
    if n < K:
        idx = torch.cat([idx, idx.new_zeros((B, K - n))], 1)
    occ = torch.arange(K, device=active.device)[None, :] < active.sum(dim=1)[:, None]
    return idx, occ


def padded_gram(G: torch.Tensor, K: int, dtype: torch.dtype) -> torch.Tensor:
    """``G`` in ``dtype``, bordered by ``K`` extra atoms orthonormal to the dictionary and to
    each other: (n + K, n + K), for :func:`factor_blocks`."""
    n = G.shape[0]
    G_padded = torch.zeros((n + K, n + K), dtype=dtype, device=G.device)
    G_padded[:n, :n] = G
    G_padded[n:, n:].diagonal().fill_(1.0)
    return G_padded


def factor_blocks(G_padded: torch.Tensor, n: int, idx: torch.Tensor, occ: torch.Tensor
                  ) -> tuple[torch.Tensor, torch.Tensor]:
    """Cholesky factors of each row's Gram block ``G[S, S]`` on its occupied slots, padded
    with identity; ``G_padded`` is :func:`padded_gram` of the ``n`` atoms' Gram matrix with
    at least ``idx.shape[1]`` extra atoms. Returns ``(L, ok)``, ``ok`` False where the block
    is singular."""
    K = idx.shape[1]
    # Free slot k points at extra atom n + k: the gathered block is then already padded with
    # identity, with no masking pass over it (at large supports the passes over the blocks
    # cost as much as the factorisation).
    idx_padded = torch.where(occ, idx, n + torch.arange(K, device=idx.device))
    L, info = torch.linalg.cholesky_ex(G_padded[idx_padded[:, :, None], idx_padded[:, None, :]])
    return L, info == 0
