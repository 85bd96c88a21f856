"""The shrinkage (soft-threshold) function, shared by dictionary learning and the solvers.

Kept in its own module so that the dictionary stage does not depend on the solver code:
the workflow re-runs a rule when a module it imports changes.
"""

from __future__ import annotations

import torch


def soft_threshold(u: torch.Tensor, threshold: float | torch.Tensor) -> torch.Tensor:
    """The shrinkage function S of Eq. 3, elementwise."""
    return torch.sign(u) * torch.clamp(u.abs() - threshold, min=0)
