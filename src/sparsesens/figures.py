"""Figures: one function per figure, tidy data in, a matplotlib Figure out."""

from __future__ import annotations

from collections.abc import Mapping

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402


def tile_images(vectors: np.ndarray, n_cols: int, side: int = 28) -> np.ndarray:
    """Tile rows of ``vectors`` (k, side*side) into one image, each scaled to [-1, 1].

    Each tile is divided by its largest absolute value so that atoms of different
    contrast are comparable; a one-pixel gap separates tiles.
    """
    vectors = np.asarray(vectors, dtype=np.float64)
    n_rows = int(np.ceil(len(vectors) / n_cols))
    canvas = np.full((n_rows * (side + 1) - 1, n_cols * (side + 1) - 1), np.nan)
    for i, vec in enumerate(vectors):
        scale = np.abs(vec).max() or 1.0
        r, c = divmod(i, n_cols)
        canvas[r * (side + 1):r * (side + 1) + side,
               c * (side + 1):c * (side + 1) + side] = (vec / scale).reshape(side, side)
    return canvas


def atom_grids(dictionaries: Mapping[float, np.ndarray], n_show: int = 64) -> plt.Figure:
    """Fig. 5 (top): the first ``n_show`` atoms of each lambda's dictionary as 28 x 28 tiles."""
    lams = sorted(dictionaries)
    fig, axes = plt.subplots(1, len(lams), figsize=(3.2 * len(lams), 3.6), squeeze=False)
    for ax, lam in zip(axes[0], lams, strict=True):
        D = np.asarray(dictionaries[lam])
        n_cols = int(np.ceil(np.sqrt(min(n_show, D.shape[1]))))
        ax.imshow(tile_images(D[:, :n_show].T, n_cols), cmap="RdBu_r", vmin=-1, vmax=1)
        ax.set_title(f"λ = {lam:g}")
        ax.axis("off")
    fig.suptitle(f"Learned dictionary atoms (first {n_show} of each)")
    return fig


def active_fraction(summary: pd.DataFrame, split: str = "train") -> plt.Figure:
    """Fig. 5 (bottom): fraction of active units per lambda over one split's exact codes."""
    rows = summary[summary["split"] == split].sort_values("lam")
    fig, ax = plt.subplots(figsize=(4.5, 3.2))
    ax.plot(rows["lam"], rows["active_fraction"], "o-")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("λ")
    ax.set_ylabel(f"fraction of active units ({split})")
    for lam, frac in zip(rows["lam"], rows["active_fraction"], strict=True):
        ax.annotate(f"{100 * frac:.2g}%", (lam, frac), textcoords="offset points",
                    xytext=(4, 4), fontsize=8)
    ax.grid(True, which="both", alpha=0.3)
    fig.tight_layout()
    return fig


def loss_curves(losses: Mapping[float, np.ndarray]) -> plt.Figure:
    """Per-image loss of Eq. 1 against iteration of dictionary learning, one line per lambda."""
    fig, ax = plt.subplots(figsize=(5, 3.5))
    for lam in sorted(losses):
        loss = np.asarray(losses[lam])
        ax.plot(np.arange(1, len(loss) + 1), loss, label=f"λ = {lam:g}")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("iteration")
    ax.set_ylabel("loss per image (Eq. 1)")
    ax.legend(fontsize=8)
    ax.grid(True, which="both", alpha=0.3)
    fig.tight_layout()
    return fig
