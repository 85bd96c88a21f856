"""FISTA in coefficient space, in a metric that takes the Gram matrix's outlying
eigenvalue apart (Beck and Teboulle, 2009; restart: O'Donoghue and Candes, 2015)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import torch


class Majorizer(NamedTuple):
    """``H = a I + b v v^T``, a bound above the Gram matrix (``H - G`` is positive
    semi-definite) in whose metric :func:`fista` steps.

    A learned dictionary's atoms share a common component (their mean), so its Gram matrix
    has one eigenvalue far above the rest. A plain proximal step of ``1 / largest
    eigenvalue`` crawls along all the other directions; ``a`` = the second eigenvalue and
    ``a + b`` = the largest, along the top eigenvector ``v``, take each direction at its
    own pace.
    """

    a: float
    b: float
    v: torch.Tensor
    # ``G v`` when ``v`` is not an exact eigenvector of ``G`` (a bound kept from an
    # earlier Gram matrix, :func:`widened`); None when it is, so that ``G v = (a + b) v``
    Gv: torch.Tensor | None = None


def gram_majorizer(G: torch.Tensor) -> Majorizer:
    """The :class:`Majorizer` of the symmetric positive semi-definite ``G`` from its two
    largest eigenvalues (float64, with a margin for float32 products)."""
    eigenvalues, vectors = torch.linalg.eigh(G.double())
    top = float(eigenvalues[-1]) * (1 + 1e-4)
    second = float(eigenvalues[-2]) * (1 + 1e-4) if len(eigenvalues) > 1 else 0.0
    # a must stay positive for the step; a tiny one only makes that step long
    a = max(second, 1e-6 * top, 1e-12)
    return Majorizer(a, max(top - a, 0.0), vectors[:, -1].to(G.dtype))


def widened(majorizer: Majorizer, G: torch.Tensor, slack: float) -> Majorizer:
    """The bound ``majorizer`` moved up by ``slack`` for a nearby Gram matrix ``G``.

    If ``majorizer`` bounds ``G0`` and ``slack`` is at least the spectral norm of
    ``G - G0`` (the Frobenius norm is such a bound), then ``(a + slack) I + b v v^T`` bounds
    ``G``: by Weyl's inequality no eigenvalue moved by more. ``v`` then is no longer an
    eigenvector of ``G``, so the result carries ``G v`` for the steps' exact tilt.
    """
    v = majorizer.v.to(G.dtype)
    return Majorizer(majorizer.a + slack, majorizer.b, majorizer.v, G @ v)


def fista(C: torch.Tensor, G: torch.Tensor, lam: float, n_iter: int,
          R0: torch.Tensor | None = None, majorizer: Majorizer | None = None
          ) -> torch.Tensor:
    """``n_iter`` accelerated proximal gradient steps on the lasso in coefficient space, in
    the metric of ``majorizer``, with adaptive restart.

    Each step minimises ``g . (r - y) + 1/2 ||r - y||_H^2 + lam ||r||_1`` with
    ``H = a I + b v v^T`` (:class:`Majorizer`). Its solution is a soft threshold at
    ``lam / a`` of ``z - (b / a) s v``, where ``z = y - H^-1 g`` and the scalar ``s``
    solves ``s = v . (r - z)``; ``s`` changes slowly from step to step, so one Newton
    step per iteration, applied to the next step, tracks it about as well as solving for
    ``s`` within each step would. With ``b = 0`` this
    is plain FISTA with step ``1 / a``. The momentum of a row is reset whenever it points
    against the last step (the gradient restart of O'Donoghue and Candes, 2015).

    Args:
        C: (B, n) correlations ``X D``.
        G: (n, n) Gram matrix ``D^T D``.
        lam: sparsity weight.
        n_iter: number of steps.
        R0: (B, n) starting codes; zeros when omitted.
        majorizer: the bound ``H``; :func:`gram_majorizer` of ``G`` when omitted.

    Returns:
        (B, n) codes after the last step.
    """
    majorizer = gram_majorizer(G) if majorizer is None else majorizer
    return fista_steps(C, G, lam, n_iter, FistaState.start(C, R0, majorizer), majorizer).R


@dataclass
class FistaState:
    """Where :func:`fista` stands, so a later call goes on without a restart."""

    R: torch.Tensor      # (B, n) codes
    Y: torch.Tensor      # (B, n) extrapolated point
    t: torch.Tensor      # (B, 1) momentum counter
    s: torch.Tensor      # (B,) multiplier of the step's tilt along v

    @classmethod
    def start(cls, C: torch.Tensor, R0: torch.Tensor | None, majorizer: Majorizer
              ) -> FistaState:
        R = torch.zeros_like(C) if R0 is None else R0.clone()
        v = majorizer.v.to(device=C.device, dtype=C.dtype)
        t = torch.ones((C.shape[0], 1), dtype=C.dtype, device=C.device)
        # s at a fixed point r = y is v . H^-1 g: start there
        return cls(R, R.clone(), t, R @ v - C @ v / (majorizer.a + majorizer.b))

    def rows(self, keep: torch.Tensor) -> FistaState:
        return FistaState(self.R[keep], self.Y[keep], self.t[keep], self.s[keep])


def fista_steps(C: torch.Tensor, G: torch.Tensor, lam: float, n_iter: int,
                state: FistaState, majorizer: Majorizer) -> FistaState:
    """``n_iter`` steps of :func:`fista` from ``state`` (a warm start keeps its momentum)."""
    a, b = majorizer.a, majorizer.b
    v = majorizer.v.to(device=C.device, dtype=C.dtype)
    Gv = None if majorizer.Gv is None else majorizer.Gv.to(device=C.device, dtype=C.dtype)
    top = a + b
    R, Y, t, s = state.R, state.Y, state.t, state.s
    C_over_a, c_v = C / a, C @ v
    slope = torch.ones_like(s)
    # G v = top v, so v . g and v . z need no pass over the (B, n) arrays; besides the
    # product (which also carries the gradient step) a step makes a few passes: the
    # tilt along v, the shrinkage, the restart test and the momentum
    for step in range(n_iter):
        y_v = Y @ v
        g_v = (top * y_v if Gv is None else Y @ Gv) - c_v
        z_v = y_v - g_v / top
        W = torch.addmm(Y + C_over_a, Y, G, alpha=-1.0 / a)          # y - g / a
        W.addr_(b / (a * top) * g_v - (b / a) * s, v)                # z - (b / a) s v
        R_next = torch.nn.functional.softshrink(W, lam / a)
        if step % 4 == 0:  # the Newton slope moves with the support: refresh it now and then
            slope = 1.0 + (b / a) * ((R_next != 0).to(C.dtype) @ (v * v))
        s = s - (s - (R_next @ v - z_v)) / slope
        move = R_next - R
        restart = torch.linalg.vecdot(Y - R_next, move)[:, None] > 0
        t = torch.where(restart, 1.0, t)
        t_next = (1.0 + torch.sqrt(1.0 + 4.0 * t * t)) / 2.0
        Y = torch.addcmul(R_next, (t - 1.0) / t_next, move)
        R, t = R_next, t_next
    return FistaState(R, Y, t, s)
