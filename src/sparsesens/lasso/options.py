"""The settings every solver of the package shares."""

from __future__ import annotations

from dataclasses import dataclass

SOLVERS = ("hybrid", "lars", "homotopy", "fista", "active_set")


@dataclass(frozen=True)
class EncodeOptions:
    """How :func:`sparsesens.lasso.encode` solves and certifies.

    Attributes:
        solver: ``"hybrid"``, ``"lars"``, ``"homotopy"``, ``"fista"`` or ``"active_set"``
            (see ``encode``).
        max_events: homotopy events after which an image goes to the FISTA stages.
        fista_iter: FISTA steps of the first stage (each next stage is twice as long).
        max_fista_iter: FISTA steps after which an image goes to coordinate descent.
        polish_rounds: active-set rounds per attempt of the polish.
        active_max_support: the largest support the active set grows under ``"hybrid"``
            (near this size the FISTA stages are as fast, and a small cap keeps a failed
            probe cheap).
        chunk_size: images solved together (bounds memory).
        tol_inactive, tol_active: the tolerances of Eq. 9.
    """

    solver: str = "hybrid"
    max_events: int = 5000
    fista_iter: int = 20
    max_fista_iter: int = 10_000
    polish_rounds: int = 10
    active_max_support: int = 48
    chunk_size: int = 2000
    tol_inactive: float = 1e-5
    tol_active: float = 1e-4

    def __post_init__(self) -> None:
        if self.solver not in SOLVERS:
            raise ValueError(f"unknown solver {self.solver!r}; allowed: {', '.join(SOLVERS)}")
        if self.max_events < 1:
            raise ValueError(f"max_events must be >= 1, got {self.max_events}")
        if self.fista_iter < 1 or self.max_fista_iter < self.fista_iter:
            raise ValueError(f"need 1 <= fista_iter <= max_fista_iter, got {self.fista_iter} "
                             f"and {self.max_fista_iter}")
        if self.active_max_support < 1:
            raise ValueError(f"active_max_support must be >= 1, got {self.active_max_support}")
        if self.chunk_size < 1:
            raise ValueError(f"chunk_size must be >= 1, got {self.chunk_size}")

    @property
    def add_margin(self) -> float:
        """How far beyond ``lam`` a correlation must be for the polish to add its atom: a
        tenth of the certificate's tolerance, so that a polished code passes Eq. 9."""
        return 0.1 * self.tol_inactive
