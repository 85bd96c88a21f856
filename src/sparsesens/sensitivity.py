"""Sensitivity of representations to small image perturbations (Section 2, Fig. 1 and 6).

A representation ``r(x)`` is probed with the norm of its directional derivative,
``||J dx|| / ||dx||``, for three kinds of perturbation ``dx`` of a training image ``x``:

- ``noise``: ``dx ~ N(0, I)``, the control;
- ``swap``: ``dx = x_other - x`` for another randomly drawn training image;
- ``distortion``: ``dx = warp(x) - x``, an elastic warp (elasticdeform) whose coarse control
  grid has Gaussian displacements, upsampled to a smooth field with cubic splines.

For the lasso code the Jacobian is the active Jacobian of Eq. 6,
``J_+ = (D_+^T D_+)^-1 D_+^T`` on the active atoms and zero elsewhere; for the hidden layer
``h = ReLU(W1 x + b1)`` of the MLP it is ``diag(1[h > 0]) W1``; for pixels it is the
identity, so every ratio is 1.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import elasticdeform
import numpy as np
import pandas as pd
import torch
from scipy import stats

from sparsesens.lasso import EncodeOptions, encode, solve_on_support

PERTURBATIONS = ("noise", "swap", "distortion")
# the pairs of perturbations whose order the paper states (the first one above)
PAIRS = (("distortion", "swap"), ("swap", "noise"), ("distortion", "noise"))


@dataclass
class Perturbations:
    """A seeded draw of perturbation samples.

    Attributes:
        image_index: (S,) index of each sample's image in the training split.
        partner_index: (S,) index of the other image of each swap (never the same image).
        displacement: (S, 2, grid, grid) control-grid displacements of each distortion, pixels.
        dx: kind -> (S, m) perturbation of each sample (float64).
    """

    image_index: np.ndarray
    partner_index: np.ndarray
    displacement: np.ndarray
    dx: dict[str, np.ndarray]


def elastic_warp(image: np.ndarray, displacement: np.ndarray, order: int = 3) -> np.ndarray:
    """Warp one flattened square image by a control-grid displacement (elasticdeform).

    Args:
        image: (side * side,) pixels.
        displacement: (2, g, g) displacement of each control point, in pixels.
        order: spline order of the interpolation (3: cubic).

    Returns:
        (side * side,) warped image, float64.
    """
    side = int(round(np.sqrt(image.size)))
    square = np.asarray(image, dtype=np.float64).reshape(side, side)
    return elasticdeform.deform_grid(square, displacement, order=order).reshape(-1)


def draw_perturbations(X: np.ndarray, n_samples: int, seed: int, *, grid: int = 5,
                       sigma: float = 0.25, order: int = 3) -> Perturbations:
    """Draw ``n_samples`` images of ``X`` and a noise, a swap and a distortion for each.

    Every random number comes from ``numpy.random.default_rng(seed)``, so the same seed
    gives the same samples (elasticdeform is given the displacements rather than drawing
    them itself from NumPy's global state).

    Args:
        X: (N, side * side) training images, N >= 2.
        n_samples: samples to draw (images with replacement when ``n_samples > N``).
        seed: seeds the draw.
        grid: control points per side of the elastic grid.
        sigma: standard deviation of the control-point displacements, pixels.
        order: spline order of the warp.

    Returns:
        :class:`Perturbations`.
    """
    X = np.asarray(X)
    if X.ndim != 2 or X.shape[0] < 2:
        raise ValueError(f"need at least two images as an (N, m) array, got shape {X.shape}")
    if n_samples < 1:
        raise ValueError(f"n_samples must be >= 1, got {n_samples}")
    rng = np.random.default_rng(seed)
    n = X.shape[0]
    image_index = rng.choice(n, size=n_samples, replace=n_samples > n)
    # an offset in 1..n-1 can never land on the image itself
    partner_index = (image_index + rng.integers(1, n, size=n_samples)) % n
    noise = rng.standard_normal((n_samples, X.shape[1]))
    displacement = rng.normal(0.0, sigma, size=(n_samples, 2, grid, grid))
    x = X[image_index].astype(np.float64)
    warped = np.stack([elastic_warp(img, d, order) for img, d in zip(x, displacement, strict=True)])
    dx = {"noise": noise, "swap": X[partner_index].astype(np.float64) - x,
          "distortion": warped - x}
    return Perturbations(image_index, partner_index, displacement, dx)


def perturb_image(X: np.ndarray, index: int, seed: int, *, grid: int = 5, sigma: float = 0.25,
                  order: int = 3) -> dict[str, np.ndarray]:
    """One noise, one swap and one distortion of image ``index`` of ``X``, from ``seed``."""
    rng = np.random.default_rng(seed)
    n = X.shape[0]
    x = np.asarray(X[index], dtype=np.float64)
    partner = (index + rng.integers(1, n)) % n
    displacement = rng.normal(0.0, sigma, size=(2, grid, grid))
    return {"noise": rng.standard_normal(x.shape),
            "swap": np.asarray(X[partner], dtype=np.float64) - x,
            "distortion": elastic_warp(x, displacement, order) - x}


def active_jacobian(D: np.ndarray, code: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The active Jacobian ``J_+ = (D_+^T D_+)^-1 D_+^T`` of one image's lasso code (Eq. 6).

    Args:
        D: (m, n) dictionary.
        code: (n,) the image's exact code.

    Returns:
        ``(active, J)``: indices of the k active atoms and the (k, m) Jacobian of their
        coefficients with respect to the image.
    """
    active = np.flatnonzero(code)
    Dp = np.asarray(D, dtype=np.float64)[:, active]
    return active, np.linalg.solve(Dp.T @ Dp, Dp.T)


def code_directional_derivative(D: np.ndarray, codes: np.ndarray, dX: np.ndarray,
                                device: torch.device | str = "cpu") -> np.ndarray:
    """``||J_+ dx|| / ||dx||`` of the lasso code for every (code, perturbation) row.

    ``J_+ dx`` solves ``(D_+^T D_+) z = D_+^T dx`` on each row's active set, batched.

    Args:
        D: (m, n) dictionary.
        codes: (S, n) exact codes of the perturbed images.
        dX: (S, m) perturbations.
        device: where the batched solves run.

    Returns:
        (S,) ratios; ``nan`` where the active dictionary is singular.
    """
    D_t = torch.as_tensor(np.asarray(D, dtype=np.float64), device=device)
    dX_t = torch.as_tensor(np.asarray(dX, dtype=np.float64), device=device)
    active = torch.as_tensor(np.asarray(codes) != 0, device=device)
    dR, ok = solve_on_support(D_t.T @ D_t, dX_t @ D_t, active)
    ratio = torch.linalg.vector_norm(dR, dim=1) / torch.linalg.vector_norm(dX_t, dim=1)
    return torch.where(ok, ratio, torch.nan).cpu().numpy()


def mlp_directional_derivative(W1: np.ndarray, b1: np.ndarray, X: np.ndarray,
                               dX: np.ndarray) -> np.ndarray:
    """``||diag(1[h > 0]) W1 dx|| / ||dx||`` of the hidden layer ``h = ReLU(W1 x + b1)``.

    Args:
        W1: (h, m) first-layer weights.
        b1: (h,) first-layer bias.
        X: (S, m) images.
        dX: (S, m) perturbations.

    Returns:
        (S,) ratios.
    """
    W1 = np.asarray(W1, dtype=np.float64)
    X = np.asarray(X, dtype=np.float64)
    dX = np.asarray(dX, dtype=np.float64)
    on = (X @ W1.T + np.asarray(b1, dtype=np.float64)) > 0
    dH = np.where(on, dX @ W1.T, 0.0)
    return np.linalg.norm(dH, axis=1) / np.linalg.norm(dX, axis=1)


def finite_difference_ratio(encoder: Callable[[np.ndarray], np.ndarray], X: np.ndarray,
                            codes: np.ndarray, dX: np.ndarray, eps: float) -> np.ndarray:
    """``||r(x + eps u) - r(x)|| / eps`` along the unit direction ``u = dx / ||dx||``.

    The finite counterpart of the directional derivative: ``eps`` is the norm of the
    image change, so the ratio tends to ``||J u||`` as ``eps`` shrinks.

    Args:
        encoder: maps (S, m) images to their (S, n) exact codes.
        X: (S, m) images.
        codes: (S, n) their exact codes.
        dX: (S, m) perturbation directions (any norm).
        eps: norm of the image change, > 0.

    Returns:
        (S,) ratios.
    """
    if not eps > 0:
        raise ValueError(f"eps must be > 0, got {eps}")
    dX = np.asarray(dX, dtype=np.float64)
    unit = dX / np.linalg.norm(dX, axis=1, keepdims=True)
    moved = encoder(np.asarray(X, dtype=np.float64) + eps * unit)
    return np.linalg.norm(moved - codes, axis=1) / eps


class ExactEncoder:
    """Exact lasso codes under one dictionary and lambda, for finite-difference checks.

    Calling it maps (S, m) images to their (S, n) codes (:func:`sparsesens.lasso.encode`,
    certified by Eq. 9) and keeps which of them passed in ``certified``, so that a table
    can mark the rows that rest on a code failing Eq. 9.

    Args:
        D: (m, n) dictionary with unit-norm columns.
        lam: sparsity weight of Eq. 1.
        options: how ``encode`` solves and certifies (``settings.encode_options``).
        device: where the solver runs.
    """

    def __init__(self, D: np.ndarray, lam: float, options: EncodeOptions,
                 device: torch.device | str = "cpu") -> None:
        self.D, self.lam, self.options, self.device = D, lam, options, device
        self.certified: np.ndarray | None = None

    def __call__(self, images: np.ndarray) -> np.ndarray:
        result = encode(images, self.D, self.lam, self.options, device=self.device)
        self.certified = result.certified
        return result.codes


def summarise(ratios: np.ndarray) -> dict[str, float]:
    """Median with its 95 % interval, quartiles and mean of a set of ratios (non-finite ones
    excluded and counted)."""
    ratios = np.asarray(ratios, dtype=np.float64)
    finite = ratios[np.isfinite(ratios)]
    q25, median, q75 = np.percentile(finite, [25, 50, 75]) if finite.size else (np.nan,) * 3
    low, high = median_interval(finite)
    return {"n": int(finite.size), "n_nonfinite": int(ratios.size - finite.size),
            "median": float(median), "median_low": low, "median_high": high,
            "q25": float(q25), "q75": float(q75),
            "mean": float(finite.mean()) if finite.size else np.nan}


def median_interval(values: np.ndarray, level: float = 0.95) -> tuple[float, float]:
    """The distribution-free ``level`` interval of the median of ``values``' population.

    Between two order statistics: the number of samples below the median is binomial
    (n, 1/2) whatever the distribution, so ``[x_(j), x_(k+1)]`` with ``j`` and ``k`` its
    ``(1 - level) / 2`` and ``(1 + level) / 2`` quantiles covers the median with probability
    at least about ``level``; no resampling, nothing random. NaN for no values.
    """
    x = np.sort(np.asarray(values, dtype=np.float64))
    if not x.size:
        return np.nan, np.nan
    j = int(stats.binom.ppf((1 - level) / 2, x.size, 0.5))
    k = int(stats.binom.ppf((1 + level) / 2, x.size, 0.5))
    return float(x[max(j - 1, 0)]), float(x[min(k, x.size - 1)])


def paired_comparison(first: np.ndarray, second: np.ndarray) -> dict[str, float]:
    """Is ``first`` above ``second``, sample by sample? Both are (S,) ratios of the same samples.

    The perturbations of one sample share its image, so their ratios are compared in pairs:
    the Wilcoxon signed-rank test of ``log(first / second)`` with its matched-pairs
    rank-biserial correlation as the effect size (+1: every sample has ``first`` above,
    -1: every sample below, 0: as many above as below by rank). Pairs with a non-finite or
    non-positive ratio are left out and not counted in ``n``.

    Returns:
        ``n``, ``median_ratio`` (median of ``first / second`` over pairs) with its
        distribution-free 95 % interval (``median_ratio_low``, ``median_ratio_high``,
        :func:`median_interval`), ``frac_above`` (share of pairs with ``first`` above),
        ``rank_biserial`` and ``p_value`` (two-sided; 1 when fewer than two pairs differ).
    """
    first, second = np.asarray(first, np.float64), np.asarray(second, np.float64)
    if first.shape != second.shape or first.ndim != 1:
        raise ValueError(f"paired ratios need two (S,) arrays, got {first.shape} and "
                         f"{second.shape}")
    usable = np.isfinite(first) & np.isfinite(second) & (first > 0) & (second > 0)
    ratio = first[usable] / second[usable]
    log_ratio = np.log(ratio)
    differ = log_ratio[log_ratio != 0]
    if differ.size < 2:
        rank_biserial, p_value = 0.0, 1.0
    else:
        ranks = stats.rankdata(np.abs(differ))
        above, below = ranks[differ > 0].sum(), ranks[differ < 0].sum()
        rank_biserial = float((above - below) / (above + below))
        p_value = float(stats.wilcoxon(differ).pvalue)
    low, high = median_interval(ratio)
    return {"n": int(usable.sum()),
            "median_ratio": float(np.median(ratio)) if usable.any() else np.nan,
            "median_ratio_low": low, "median_ratio_high": high,
            "frac_above": float(np.mean(log_ratio > 0)) if usable.any() else np.nan,
            "rank_biserial": rank_biserial, "p_value": p_value}


def mean_active_atoms(D: np.ndarray, images: np.ndarray, lam: float, options: EncodeOptions,
                      device: torch.device | str = "cpu") -> float:
    """The mean number of active atoms of the exact codes of ``images`` (N, m) under ``D``
    at ``lam``: what matching two dictionaries' sparsity compares."""
    codes = ExactEncoder(D, lam, options, device)(np.asarray(images, dtype=np.float64))
    return float((codes != 0).sum(axis=1).mean())


def ratio_table(image_index: np.ndarray, ratios: Mapping[str, np.ndarray],
                certified: np.ndarray | None = None) -> pd.DataFrame:
    """The tidy per-sample table: sample, image_index, perturbation, ratio (and certified).

    Args:
        image_index: (S,) training-image index of each sample.
        ratios: perturbation kind -> (S,) directional derivatives.
        certified: (S,) whether each sample's code passes Eq. 9 (sparse codes only).
    """
    frames = []
    for kind, values in ratios.items():
        frame = pd.DataFrame({"sample": np.arange(len(image_index)), "image_index": image_index,
                              "perturbation": kind, "ratio": np.asarray(values)})
        if certified is not None:
            frame["certified"] = np.asarray(certified, dtype=bool)
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def summary_tables(tables: Sequence[tuple[str, pd.DataFrame]]
                   ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The sensitivity summary and the paired comparisons of several representations.

    Args:
        tables: ``(representation, per-sample table)`` pairs (:func:`ratio_table`'s
            columns); a ``sparse`` table also names its dictionary in ``lam`` and
            ``dictionary_seed`` (a representation without a dictionary has neither).

    Returns:
        ``(summary, paired)``: per representation, lambda, seed and perturbation the
        :func:`summarise` of its ratios; per representation, lambda, seed and pair of
        :data:`PAIRS` the :func:`paired_comparison` of the same samples.
    """
    rows, pairs = [], []
    for rep, table in tables:
        lam = float(table["lam"].iloc[0]) if rep == "sparse" else None
        seed = int(table["dictionary_seed"].iloc[0]) if rep == "sparse" else None
        which = {"representation": rep, "lam": lam, "dictionary_seed": seed}
        for kind, group in table.groupby("perturbation", sort=False):
            rows.append({**which, "perturbation": kind, **summarise(group["ratio"].to_numpy())})
        ratios = table.pivot(index="sample", columns="perturbation", values="ratio")
        for first, second in PAIRS:
            pairs.append({**which, "first": first, "second": second, **paired_comparison(
                ratios[first].to_numpy(), ratios[second].to_numpy())})
    return pd.DataFrame(rows), pd.DataFrame(pairs)
