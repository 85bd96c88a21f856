"""One batch of the lasso in coefficient space: what every solver of a chain reads."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch

from sparsesens.lasso.fista import Majorizer


@dataclass
class Problem:
    """One batch of images in coefficient space: ``C = X D`` and ``G = D^T D``.

    Attributes:
        C64: (B, n) correlations of the batch's images with the atoms, float64.
        G64: (n, n) Gram matrix, float64.
        G32: the same in float32, for the large products.
        majorizer: FISTA's metric of ``G32``, computed when first asked (a solver that
            settles every image never needs its eigendecomposition).
        lam: the sparsity weight.
        n_pixels: m; no certified code has more active atoms (``D_+`` has rank m).
    """

    C64: torch.Tensor
    G64: torch.Tensor
    G32: torch.Tensor
    majorizer: Callable[[], Majorizer]
    lam: float
    n_pixels: int

    def rows(self, rows: list[int]) -> Problem:
        """The same problem for some of the batch's images."""
        keep = torch.as_tensor(rows, device=self.C64.device)
        return Problem(self.C64[keep], self.G64, self.G32, self.majorizer, self.lam,
                       self.n_pixels)
