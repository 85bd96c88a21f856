"""The wide random net of Eq. 8: a fixed random hidden layer whose features the
read-outs take as a representation, a baseline for the learned codes."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch


def random_net_weights(n_inputs: int, width: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """``W1`` (width x n_inputs) and ``W2`` (width x width), iid N(0, 1) from ``seed`` (Eq. 8)."""
    generator = torch.Generator().manual_seed(seed)
    W1 = torch.randn((width, n_inputs), generator=generator)
    W2 = torch.randn((width, width), generator=generator)
    return W1, W2


def random_features(X: np.ndarray, W1: torch.Tensor, W2: torch.Tensor, *, chunk_size: int = 1024,
                    device: torch.device | str = "cpu",
                    progress: Callable[[int], None] | None = None) -> np.ndarray:
    """``z = ReLU(W2 ReLU(W1 x))`` for every row of ``X``, ``chunk_size`` rows at a time.

    Memory is the weights plus one chunk's activations, whatever the number of images.

    Returns:
        (N, width) float32 features.
    """
    W1, W2 = W1.to(device), W2.to(device)
    out = np.empty((len(X), W2.shape[0]), dtype=np.float32)
    for start in range(0, len(X), chunk_size):
        x = torch.as_tensor(np.asarray(X[start:start + chunk_size], dtype=np.float32),
                            device=device)
        out[start:start + len(x)] = torch.relu(torch.relu(x @ W1.T) @ W2.T).cpu().numpy()
        if progress is not None:
            progress(start + len(x))
    return out
