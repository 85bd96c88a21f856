"""The supervised baseline of Section 2.3: a 784-784-10 ReLU net trained with plain SGD."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn


@dataclass
class MLPResult:
    """A trained net and its training record.

    Attributes:
        model: ``nn.Sequential(Linear(m, h), ReLU(), Linear(h, classes))`` on the CPU.
        loss: (steps,) cross-entropy of each minibatch.
    """

    model: nn.Sequential
    loss: np.ndarray


def build_mlp(n_inputs: int, hidden: int, n_classes: int, seed: int) -> nn.Sequential:
    """The two-layer ReLU net with PyTorch's default initialisation, drawn from ``seed``."""
    # a private CPU generator state, so building the net leaves the caller's draws alone
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return nn.Sequential(nn.Linear(n_inputs, hidden), nn.ReLU(), nn.Linear(hidden, n_classes))


def from_state_dict(state: Mapping[str, torch.Tensor]) -> nn.Sequential:
    """Rebuild a net of :func:`build_mlp`'s shape from its saved ``state_dict``."""
    n_hidden, n_inputs = state["0.weight"].shape
    model = build_mlp(n_inputs, n_hidden, state["2.weight"].shape[0], seed=0)
    model.load_state_dict(state)
    return model


def train_mlp(X: np.ndarray, y: np.ndarray, *, hidden: int = 784, batch_size: int = 64,
              schedule: Sequence[tuple[int, float]] = ((1000, 0.1), (1000, 0.01)),
              momentum: float = 0.0, seed: int = 0, device: torch.device | str = "cpu",
              progress: Callable[[int, float], None] | None = None) -> MLPResult:
    """Train the net of Section 2.3 with SGD on cross-entropy, no augmentation.

    Minibatches are drawn without replacement from seeded permutations of the training
    set (a new permutation each epoch); the initial weights come from the same seed.

    Args:
        X: (N, m) training images.
        y: (N,) integer labels 0..classes-1.
        hidden: hidden units.
        batch_size: images per SGD step.
        schedule: (steps, learning rate) phases, run in order.
        momentum: SGD momentum, in [0, 1); each phase starts its momentum afresh. The paper
            states none (plain SGD, 0).
        seed: seeds the initialisation and the minibatch order.
        device: where training runs.
        progress: called as ``progress(step, loss)`` every 100 steps.

    Returns:
        :class:`MLPResult` with the model moved back to the CPU.
    """
    X = np.asarray(X, dtype=np.float32)
    y = np.asarray(y, dtype=np.int64)
    if X.ndim != 2 or y.shape != (X.shape[0],):
        raise ValueError(f"need X (N, m) and y (N,), got {X.shape} and {y.shape}")
    if batch_size < 1 or batch_size > X.shape[0]:
        raise ValueError(f"batch_size must be in 1..{X.shape[0]}, got {batch_size}")
    if not 0 <= momentum < 1:
        raise ValueError(f"momentum must be in [0, 1), got {momentum}")
    n_classes = int(y.max()) + 1
    model = build_mlp(X.shape[1], hidden, n_classes, seed).to(device)
    X_t = torch.as_tensor(X, device=device)
    y_t = torch.as_tensor(y, device=device)
    rng = np.random.default_rng(seed)
    order, cursor = rng.permutation(X.shape[0]), 0
    losses = []
    step = 0
    for n_steps, lr in schedule:
        optimiser = torch.optim.SGD(model.parameters(), lr=lr, momentum=momentum)
        for _ in range(n_steps):
            if cursor + batch_size > len(order):
                order, cursor = rng.permutation(X.shape[0]), 0
            batch = torch.as_tensor(order[cursor:cursor + batch_size], device=device)
            cursor += batch_size
            loss = nn.functional.cross_entropy(model(X_t[batch]), y_t[batch])
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            losses.append(loss.item())
            step += 1
            if progress is not None and step % 100 == 0:
                progress(step, losses[-1])
    return MLPResult(model.cpu(), np.asarray(losses))


def first_layer(model: nn.Sequential) -> tuple[np.ndarray, np.ndarray]:
    """``(W1, b1)`` of the hidden layer as float64 arrays."""
    layer = model[0]
    return (layer.weight.detach().double().numpy(), layer.bias.detach().double().numpy())


@torch.no_grad()
def hidden_layer(model: nn.Sequential, X: np.ndarray, batch_size: int = 10_000) -> np.ndarray:
    """The hidden representation ``ReLU(W1 x + b1)`` of every row of ``X`` (float32)."""
    hidden = model[:2]
    out = [hidden(torch.as_tensor(np.asarray(X[i:i + batch_size], dtype=np.float32))).numpy()
           for i in range(0, len(X), batch_size)]
    return np.concatenate(out) if out else np.zeros((0, model[0].out_features), np.float32)


@torch.no_grad()
def accuracy(model: nn.Sequential, X: np.ndarray, y: np.ndarray) -> float:
    """Fraction of rows of ``X`` whose predicted class equals ``y``."""
    logits = model(torch.as_tensor(np.asarray(X, dtype=np.float32)))
    return float((logits.argmax(dim=1).numpy() == np.asarray(y)).mean())
