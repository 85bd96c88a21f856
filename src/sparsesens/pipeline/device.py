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


def cpu_fallback_note(name: str, device: torch.device, gpus_requested: int) -> str | None:
    """What a job should say when its rule asked the scheduler for a GPU (``gpus_requested``)
    and ``auto`` still chose the CPU: the GPU was not visible, or torch here cannot use one.
    None when there is nothing to say."""
    if gpus_requested <= 0 or device.type != "cpu" or name != "auto":
        return None
    why = ("this torch is a CPU build (install a CUDA build of torch to use it)"
           if torch.version.cuda is None else "torch sees no CUDA device")
    return f"the rule asked for a GPU but runs on the CPU: {why}"
