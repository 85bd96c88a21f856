"""Choosing where tensors live."""

from __future__ import annotations

import torch

DEVICES = ("auto", "cpu", "cuda")


def resolve_device(name: str) -> torch.device:
    """Map a configured device name to a ``torch.device``.

    ``auto`` takes the first CUDA GPU when one is visible and the CPU otherwise; ``cuda``
    insists on a GPU and fails clearly when there is none.
    """
    if name not in DEVICES:
        raise ValueError(f"unknown device {name!r}; allowed: {', '.join(DEVICES)}")
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name == "cuda" and not torch.cuda.is_available():
        raise RuntimeError("device 'cuda' was asked for but no CUDA GPU is visible; "
                           "use device: auto or cpu")
    return torch.device(name)
