"""Figures: one function per figure, tidy data in, a matplotlib Figure out.

Every figure is drawn in one seaborn theme (:func:`themed`), with one colour per kind of
perturbation and one palette for the lambdas and the representations, so that the report
reads as one piece.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Collection, Mapping

import matplotlib.pyplot as plt
import matplotlib.ticker
import numpy as np
import pandas as pd
import seaborn as sns

_COLOURS = sns.color_palette("colorblind")
PERTURBATION_COLOURS = {"noise": (0.55, 0.55, 0.55), "swap": _COLOURS[0],
                        "distortion": _COLOURS[3]}


def themed(draw: Callable[..., plt.Figure]) -> Callable[..., plt.Figure]:
    """Draw a figure in the report's theme, without changing matplotlib's global state."""
    @functools.wraps(draw)
    def in_theme(*args, **kwargs):
        with sns.axes_style("whitegrid"), sns.plotting_context("notebook", font_scale=0.8):
            return draw(*args, **kwargs)
    return in_theme


def lambda_palette(lams) -> dict[float, tuple]:
    """One colour per lambda, dark to light as lambda grows."""
    lams = sorted(lams)
    return dict(zip(lams, sns.color_palette("viridis", len(lams)), strict=True))


def image_side(n_pixels: int) -> int:
    """The side of a square image of ``n_pixels`` pixels; a clear error otherwise."""
    side = int(round(np.sqrt(n_pixels)))
    if side * side != n_pixels:
        raise ValueError(f"{n_pixels} pixels are not a square image")
    return side


def tile_images(vectors: np.ndarray, n_cols: int, side: int | None = None) -> np.ndarray:
    """Tile rows of ``vectors`` (k, side*side) into one image, each scaled to [-1, 1].

    Each tile is divided by its largest absolute value so that atoms of different
    contrast are comparable; a one-pixel gap separates tiles.
    """
    vectors = np.asarray(vectors, dtype=np.float64)
    side = image_side(vectors.shape[1]) if side is None else side
    n_rows = int(np.ceil(len(vectors) / n_cols))
    canvas = np.full((n_rows * (side + 1) - 1, n_cols * (side + 1) - 1), np.nan)
    for i, vec in enumerate(vectors):
        scale = np.abs(vec).max() or 1.0
        r, c = divmod(i, n_cols)
        canvas[r * (side + 1):r * (side + 1) + side,
               c * (side + 1):c * (side + 1) + side] = (vec / scale).reshape(side, side)
    return canvas


@themed
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


@themed
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


@themed
def loss_curves(losses: Mapping[float, np.ndarray], step: str = "iteration",
                capped: Collection[float] = ()) -> plt.Figure:
    """Per-image loss of Eq. 1 against the learner's ``step`` (iteration or epoch), one line
    per lambda; the lambdas in ``capped`` (learners stopped by their step cap, not by the
    convergence rule) say so in the legend and end on a cross."""
    fig, ax = plt.subplots(figsize=(6.5, 3.5))
    for lam, colour in lambda_palette(losses).items():
        loss = np.asarray(losses[lam])
        steps = np.arange(1, len(loss) + 1)
        label = f"λ = {lam:g}" + (": cap, not converged" if lam in capped else "")
        ax.plot(steps, loss, color=colour, label=label)
        if lam in capped:
            ax.plot(steps[-1:], loss[-1:], "x", color=colour, markersize=8)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel(step)
    ax.set_ylabel("loss per image (Eq. 1)")
    # beside the axes: the curves fill the plot's corners, low lambda bottom right
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.02, 1.0))
    ax.grid(True, which="both", alpha=0.3)
    fig.tight_layout()
    return fig


def ratio_histogram(ax: plt.Axes, table: pd.DataFrame, title: str) -> None:
    """Histograms of ``||J dx|| / ||dx||`` on a log axis, the perturbation as hue."""
    table = table[np.isfinite(table["ratio"]) & (table["ratio"] > 0)]
    medians = table.groupby("perturbation", sort=False)["ratio"].median()
    label = {kind: f"{kind} (median {median:.2f})" for kind, median in medians.items()}
    sns.histplot(table.assign(perturbation=table["perturbation"].map(label)), x="ratio",
                 hue="perturbation", log_scale=True, bins=50, element="step", fill=False,
                 palette={label[k]: PERTURBATION_COLOURS.get(k) for k in label}, ax=ax)
    ax.axvline(1.0, color="k", ls=":", lw=1)
    ax.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
    ax.set_xlabel("||Δr|| / ||Δx||   (pixels: 1, dotted)")
    ax.set_ylabel("samples")
    ax.set_title(title)
    if ax.get_legend() is not None:
        ax.get_legend().set_title(None)


def _show_image(ax: plt.Axes, vector: np.ndarray, title: str, signed: bool) -> None:
    side = image_side(np.size(vector))
    image = np.asarray(vector).reshape(side, side)
    if signed:
        limit = np.abs(image).max() or 1.0
        ax.imshow(image, cmap="RdBu_r", vmin=-limit, vmax=limit)
    else:
        ax.imshow(image, cmap="gray_r")
    ax.set_title(title, fontsize=9)
    ax.axis("off")


@themed
def sensitivity_overview(image: np.ndarray, perturbations: Mapping[str, np.ndarray],
                         sparse: pd.DataFrame, mlp: pd.DataFrame, lam: float) -> plt.Figure:
    """Fig. 1: an image and one perturbation of each kind (top); the distribution of
    directional derivatives of the sparse code at ``lam`` and of the MLP hidden layer."""
    fig = plt.figure(figsize=(10, 6.5))
    grid = fig.add_gridspec(2, 1 + len(perturbations), height_ratios=[1, 1.6])
    _show_image(fig.add_subplot(grid[0, 0]), image, "image x", signed=False)
    for i, (kind, dx) in enumerate(perturbations.items(), start=1):
        _show_image(fig.add_subplot(grid[0, i]), dx, f"{kind} Δx", signed=True)
    half = (1 + len(perturbations)) // 2
    ratio_histogram(fig.add_subplot(grid[1, :half]), sparse, f"sparse code, λ = {lam:g}")
    ratio_histogram(fig.add_subplot(grid[1, half:]), mlp, "MLP hidden layer")
    fig.suptitle("Sensitivity to perturbations: sparse codes against a supervised net")
    fig.tight_layout()
    return fig


@themed
def sensitivity_per_lambda(tables: Mapping[float, pd.DataFrame]) -> plt.Figure:
    """Fig. 6: the histograms of Fig. 1 for the sparse code of every lambda."""
    lams = sorted(tables)
    n_cols = min(3, len(lams))
    n_rows = int(np.ceil(len(lams) / n_cols))
    fig, axes = plt.subplots(n_rows, n_cols, figsize=(4.5 * n_cols, 3.4 * n_rows), squeeze=False)
    for ax, lam in zip(axes.flat, lams, strict=False):
        ratio_histogram(ax, tables[lam], f"λ = {lam:g}")
    for ax in list(axes.flat)[len(lams):]:
        ax.axis("off")
    fig.tight_layout()
    return fig


@themed
def sensitivity_medians(summary: pd.DataFrame) -> plt.Figure:
    """The sensitivities at a glance: for each kind of perturbation the median ratio
    ||J dx|| / ||dx|| of the sparse codes against lambda (one line per dictionary seed,
    the quartiles as a band), the supervised net's median as a dashed line.

    Args:
        summary: the sensitivity summary (columns representation, lam, dictionary_seed,
            perturbation, median, q25, q75); its ``mlp`` rows give the dashed lines.
    """
    sparse = summary[summary["representation"] == "sparse"]
    mlp = summary[summary["representation"] == "mlp"].set_index("perturbation")
    fig, ax = plt.subplots(figsize=(5.2, 3.4))
    for kind, colour in PERTURBATION_COLOURS.items():
        rows = sparse[sparse["perturbation"] == kind]
        for n, (_, seed_rows) in enumerate(rows.groupby("dictionary_seed", dropna=False)):
            seed_rows = seed_rows.sort_values("lam")
            ax.plot(seed_rows["lam"], seed_rows["median"], marker="o", markersize=3,
                    color=colour, label=kind if n == 0 else None)
            ax.fill_between(seed_rows["lam"], seed_rows["q25"], seed_rows["q75"],
                            color=colour, alpha=0.12, linewidth=0)
        if kind in mlp.index:
            ax.axhline(mlp.loc[kind, "median"], color=colour, linestyle="--", linewidth=1)
    ax.set_xscale("log")
    ax.xaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: f"{v:g}"))
    ax.set_xlabel("λ")
    ax.set_ylabel("median ||J dx|| / ||dx||")
    ax.set_title("sparse codes (solid) against the supervised net (dashed)")
    ax.legend(title=None)
    fig.tight_layout()
    return fig


@themed
def finite_perturbations(tables: Mapping[float, pd.DataFrame]) -> plt.Figure:
    """Median (and quartiles) of the finite ratio against eps, per kind and lambda, with the
    median directional derivative of the same samples as a dashed line."""
    lams = sorted(tables)
    fig, axes = plt.subplots(1, len(lams), figsize=(4 * len(lams), 3.4), squeeze=False,
                             sharey=True)
    for ax, lam in zip(axes[0], lams, strict=True):
        for kind, group in tables[lam].groupby("perturbation", sort=False):
            stats = group.groupby("eps")["ratio"].quantile([0.25, 0.5, 0.75]).unstack()
            colour = PERTURBATION_COLOURS.get(kind)
            ax.plot(stats.index, stats[0.5], "o-", color=colour, label=kind, ms=3)
            ax.fill_between(stats.index, stats[0.25], stats[0.75], color=colour, alpha=0.15)
            ax.axhline(group.groupby("sample")["jacobian_ratio"].first().median(),
                       color=colour, ls="--", lw=1)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("ε = ||Δx||")
        ax.set_ylabel("||r(x+Δx) − r(x)|| / ||Δx||")
        ax.set_title(f"λ = {lam:g}")
        ax.grid(True, which="both", alpha=0.3)
    axes[0, 0].legend(fontsize=7)
    fig.suptitle("Finite perturbations (dashed: directional derivative)")
    fig.tight_layout()
    return fig


EVALUATION_PANELS = (("knn_euclidean", "test_acc", "1-NN, Euclidean"),
                     ("knn_cosine", "test_acc", "1-NN, cosine"),
                     ("logistic", "train_acc", "linear, train"),
                     ("logistic", "test_acc", "linear, test"))


@themed
def evaluation_curves(curves: Mapping[str, pd.DataFrame], title: str) -> plt.Figure:
    """Fig. 4 / Fig. 7: accuracy against labels per class, the mean over seeds with a band
    of one standard deviation.

    Args:
        curves: legend label -> one representation's rows of the evaluation table, one per
            seed (columns classifier, k, seed, train_acc, test_acc).
        title: the figure's title.
    """
    rows = pd.concat([frame.assign(curve=label) for label, frame in curves.items()],
                     ignore_index=True)
    # blue, green, purple and grey first: the four curves of Fig. 4 apart at a glance
    colours = [_COLOURS[i] for i in (0, 2, 4, 7, 1, 3, 5, 6, 8, 9)]
    palette = dict(zip(curves, colours, strict=False))
    fig, axes = plt.subplots(1, len(EVALUATION_PANELS), figsize=(16, 3.8), sharex=True)
    for ax, (classifier, column, name) in zip(axes, EVALUATION_PANELS, strict=True):
        sns.lineplot(rows[rows["classifier"] == classifier], x="k", y=column, hue="curve",
                     palette=palette, errorbar="sd", marker="o", markersize=4, ax=ax,
                     legend=ax is axes[0])
        ax.set_xscale("log")
        ax.set_xlabel("labelled images per class")
        ax.set_ylabel("accuracy")
        ax.set_title(name)
    if axes[0].get_legend() is not None:
        axes[0].get_legend().set_title(None)
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def evaluation_figures(runs: pd.DataFrame, lam: float) -> tuple[plt.Figure, plt.Figure]:
    """Fig. 4 (pixels, the sparse code at ``lam``, the MLP, the random net) and Fig. 7 (the
    sparse code of every lambda) from the evaluation table ``runs``, each with the first
    dictionary seed's codes (the other representations have no dictionary)."""
    runs = runs[(runs["representation"] != "sparse") | (runs["dictionary_seed"] == 0)]
    sparse = runs[runs["representation"] == "sparse"]
    by_name = {name: runs[runs["representation"] == name] for name in ("pixels", "mlp", "random")}
    fig4 = evaluation_curves(
        {"pixels": by_name["pixels"], f"sparse λ = {lam:g}": sparse[np.isclose(sparse["lam"], lam)],
         "MLP hidden layer": by_name["mlp"], "random net": by_name["random"]},
        "Supervised evaluation of four representations")
    fig7 = evaluation_curves(
        {"pixels": by_name["pixels"],
         **{f"sparse λ = {value:g}": rows for value, rows in sparse.groupby("lam")}},
        "Supervised evaluation of the sparse code of every λ")
    return fig4, fig7


@themed
def digit_overlaps(x: np.ndarray, D: np.ndarray, code: np.ndarray, pairs: np.ndarray,
                   overlaps: np.ndarray, numbers: Mapping[str, float], n_show: int = 5,
                   n_pairs: int = 10) -> plt.Figure:
    """Fig. 2: the digit, its reconstruction and its ``n_show`` strongest active filters;
    the overlaps of all active pairs; the most overlapping pairs (first atom, overlap) and
    their differences."""
    D = np.asarray(D)
    strongest = np.argsort(-np.abs(code))[:n_show]
    top = pairs[:n_pairs]
    n_cols = max(2 + n_show, len(top), 4)
    fig = plt.figure(figsize=(1.3 * n_cols, 7.5))
    grid = fig.add_gridspec(4, n_cols, height_ratios=[1, 1.3, 1, 1])
    _show_image(fig.add_subplot(grid[0, 0]), x, "digit", signed=False)
    _show_image(fig.add_subplot(grid[0, 1]), D @ code, "reconstruction", signed=False)
    for i, atom in enumerate(strongest):
        _show_image(fig.add_subplot(grid[0, 2 + i]), D[:, atom], f"atom {atom}", signed=True)
    ax = fig.add_subplot(grid[1, :])
    ax.hist(overlaps, bins=60, color="tab:gray")
    ax.set_xlabel("overlap d_a · d_b of active filters")
    ax.set_ylabel("pairs")
    ax.set_title(f"{int(numbers['n_active'])} active filters; largest overlap "
                 f"{numbers['max_overlap']:.2f}; normalised means: filters "
                 f"{numbers['normalised_mean_filters']:.2f}, differences "
                 f"{numbers['normalised_mean_differences']:.2f}", fontsize=9)
    for i, (a, b) in enumerate(top):
        _show_image(fig.add_subplot(grid[2, i]), D[:, a], f"{overlaps[i]:.2f}", signed=True)
        _show_image(fig.add_subplot(grid[3, i]), D[:, a] - D[:, b], "difference", signed=True)
    fig.suptitle("Active filters of one digit overlap; their differences look like shifts")
    fig.tight_layout()
    return fig


@themed
def singular_vectors(x: np.ndarray, U: np.ndarray, gains: np.ndarray,
                     examples: Mapping[str, np.ndarray], spectrum: pd.DataFrame) -> plt.Figure:
    """Fig. 3: the image-space singular vectors of ``D_+`` by decreasing gain (a), the digit
    (b), one perturbation of each kind (c), their overlaps with the singular vectors and the
    gains (d), and the RMS amplitude spectrum over the sensitivity samples (e)."""
    fig = plt.figure(figsize=(13, 11))
    grid = fig.add_gridspec(2, 2, height_ratios=[1.5, 1], width_ratios=[1.6, 1])
    ax = fig.add_subplot(grid[0, 0])
    n_cols = int(np.ceil(np.sqrt(U.shape[1])))
    ax.imshow(tile_images(U.T, n_cols), cmap="RdBu_r", vmin=-1, vmax=1)
    ax.set_title(f"(a) the {U.shape[1]} singular vectors of D₊, by decreasing gain "
                 "(row by row)")
    ax.axis("off")
    images = grid[0, 1].subgridspec(2, 2)
    _show_image(fig.add_subplot(images[0, 0]), x, "(b) digit", signed=False)
    for cell, (kind, dx) in zip(list(images)[1:], examples.items(), strict=False):
        _show_image(fig.add_subplot(cell), dx, f"(c) {kind} Δx", signed=True)
    _overlaps_and_gains(fig.add_subplot(grid[1, 0]), U, gains, examples)
    ax = fig.add_subplot(grid[1, 1])
    for kind in ("noise", "swap", "distortion"):
        ax.plot(spectrum["rank"], spectrum[f"rms_{kind}"], color=PERTURBATION_COLOURS[kind],
                label=kind)
    twin = ax.twinx()
    twin.plot(spectrum["rank"], spectrum["mean_gain"], "k--", lw=1)
    twin.set_ylabel("mean gain 1/σ (dashed)")
    twin.grid(False)
    ax.set_xlabel("singular vector rank (decreasing gain)")
    ax.set_ylabel("RMS overlap over the samples")
    ax.set_title("(e) amplitude spectrum over the sensitivity samples")
    ax.legend(fontsize=8)
    fig.suptitle(f"SVD of the active dictionary: gains from {gains.min():.2f} to "
                 f"{gains.max():.2f}")
    fig.tight_layout()
    return fig


def _overlaps_and_gains(ax: plt.Axes, U: np.ndarray, gains: np.ndarray,
                        examples: Mapping[str, np.ndarray]) -> None:
    """Fig. 3d: |overlap| of each unit perturbation with each singular vector, and the gains."""
    rank = np.arange(1, U.shape[1] + 1)
    for kind, dx in examples.items():
        unit = dx / np.linalg.norm(dx)
        ax.plot(rank, np.abs(U.T @ unit), color=PERTURBATION_COLOURS.get(kind), lw=1, label=kind)
    twin = ax.twinx()
    twin.plot(rank, gains, "k--", lw=1)
    twin.set_ylabel("gain 1/σ (dashed)")
    twin.grid(False)
    ax.set_xlabel("singular vector (decreasing gain)")
    ax.set_ylabel("|overlap| with the unit perturbation")
    ax.set_title("(d) the example perturbations on the singular vectors")
    ax.legend(fontsize=8, loc="upper left")


@themed
def eq5_scatter(table: pd.DataFrame) -> plt.Figure:
    """Measured directional derivative along d_1 - d_2 (and along d_1) against Eq. 5."""
    fig, ax = plt.subplots(figsize=(5, 4.2))
    ax.scatter(table["predicted"], table["finite_ratio"], s=6, alpha=0.5,
               label="along d₁ − d₂ (re-encoded)")
    ax.scatter(np.ones(len(table)), table["single_finite_ratio"], s=6, alpha=0.5,
               label="along d₁ (re-encoded)")
    top = float(np.nanmax(table["predicted"])) * 1.05
    ax.plot([0.5, top], [0.5, top], "k:", lw=1, label="Eq. 5")
    ax.set_xlabel("1 / sqrt(1 − d₁·d₂)   (1 for a single filter)")
    ax.set_ylabel("||Δr|| / ||Δx||")
    ax.legend(fontsize=8)
    ax.set_title(f"{len(table)} pairs of active filters", fontsize=9)
    fig.tight_layout()
    return fig


@themed
def rip_distributions(tables: Mapping[float, pd.DataFrame]) -> plt.Figure:
    """Per lambda, the smallest and largest singular values of each image's ``D_+``."""
    rows = pd.concat([table.assign(lam=lam) for lam, table in tables.items()],
                     ignore_index=True)
    rows["λ"] = rows["lam"].map("{:g}".format)
    palette = {f"{lam:g}": colour for lam, colour in lambda_palette(tables).items()}
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.6))
    for ax, column, name in zip(axes, ("s_min", "s_max"), ("smallest", "largest"), strict=True):
        sns.histplot(rows.dropna(subset=[column]), x=column, hue="λ", palette=palette, bins=40,
                     element="step", fill=False, ax=ax)
        ax.axvline(1.0, color="k", ls=":", lw=1)
        ax.set_xlabel(f"{name} singular value of D₊")
        ax.set_ylabel("images")
    fig.suptitle("Restricted isometry: an isometry would put both at 1 (dotted)")
    fig.tight_layout()
    return fig


# one panel each: the columns drawn, the y label, whether the y axis is logarithmic
REMEDY_PANELS = (
    (("noise_median", "swap_median", "distortion_median"), "median ||Δr|| / ||Δx||", False),
    (("max_coherence", "overlap_q99", "overlap_q90", "rms_overlap"),
     "|d_i · d_j| over all pairs of atoms", False),
    (("smallest_singular_value", "largest_gain", "gain_spread", "rip_delta_median"),
     "first digit's conditioning; RIP δ", True),
    (("certified_objective", "reconstruction", "sparsity_term"), "objective per image", False),
    (("mean_active",), "active atoms per image", False),
    (("knn_euclidean", "knn_cosine", "logistic"), "accuracy, most labels", False))
REMEDY_LEGEND = {"noise_median": "noise", "swap_median": "swap",
                 "distortion_median": "distortion", "max_coherence": "largest",
                 "overlap_q99": "99th percentile", "overlap_q90": "90th percentile",
                 "rms_overlap": "root mean square",
                 "smallest_singular_value": "smallest singular value",
                 "largest_gain": "largest gain", "gain_spread": "gain spread",
                 "rip_delta_median": "median RIP δ", "certified_objective": "certified (Eq. 1)",
                 "reconstruction": "½||x - Dr||²", "sparsity_term": "λ||r||₁",
                 "knn_euclidean": "1-NN Euclidean", "knn_cosine": "1-NN cosine",
                 "logistic": "logistic"}


@themed
def remedy_curves(table: pd.DataFrame) -> plt.Figure:
    """The remedy against its weight ``mu``: sensitivities, overlaps, conditioning, the
    objective split into its terms, sparsity and accuracy, one panel each (``mu`` = 0 at
    the left of a symmetric-log axis). ``table`` is ``analysis/remedy.tsv``'s."""
    table = table.sort_values("mu").assign(
        rms_overlap=lambda t: np.sqrt(t["mean_squared_overlap"]),
        sparsity_term=lambda t: t["certified_objective"] - t["reconstruction"])
    positive = table.loc[table["mu"] > 0, "mu"]
    fig, axes = plt.subplots(2, 3, figsize=(14, 7.5))
    for ax, (columns, label, log_y) in zip(axes.flat, REMEDY_PANELS, strict=True):
        for column in columns:
            colour = PERTURBATION_COLOURS.get(column.removesuffix("_median"))
            ax.plot(table["mu"], table[column], "o-", color=colour,
                    label=REMEDY_LEGEND.get(column, column))
        if len(positive):
            ax.set_xscale("symlog", linthresh=float(positive.min()))
        if log_y:
            # plain numbers at 1-2-5 steps: the values span about 0.1 to 50
            ax.set_yscale("log")
            ax.yaxis.set_major_locator(matplotlib.ticker.LogLocator(subs=(1, 2, 5)))
            ax.yaxis.set_major_formatter(matplotlib.ticker.FormatStrFormatter("%g"))
            ax.yaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
        ax.set_xlabel("μ (overlap penalty)")
        ax.set_ylabel(label)
        if len(columns) > 1:
            ax.legend(fontsize=7)
    fig.suptitle("The remedy the paper proposes: a penalty on the atoms' overlaps")
    fig.tight_layout()
    return fig
