"""Each figure function draws from small tidy tables without error and labels its axes."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from sparsesens import analysis, figures
from sparsesens.sensitivity import PERTURBATIONS

RNG = np.random.default_rng(0)
LAMS = (0.1, 0.3)


def unit_columns(m: int, n: int) -> np.ndarray:
    D = RNG.standard_normal((m, n))
    return D / np.linalg.norm(D, axis=0)


def ratio_table(n: int = 60) -> pd.DataFrame:
    return pd.DataFrame({"perturbation": np.repeat(PERTURBATIONS, n),
                         "ratio": RNG.lognormal(0, 0.5, 3 * n)})


def finite_table() -> pd.DataFrame:
    rows = [{"sample": s, "perturbation": kind, "eps": eps, "ratio": RNG.lognormal(),
             "jacobian_ratio": 1.0 + s / 10}
            for kind in PERTURBATIONS for eps in (1e-3, 1e-1, 1.0) for s in range(5)]
    return pd.DataFrame(rows)


def evaluation_rows(shift: float) -> pd.DataFrame:
    rows = [{"classifier": classifier, "k": k, "seed": seed,
             "train_acc": min(1.0, 0.5 + 0.1 * np.log10(k) + shift),
             "test_acc": 0.4 + 0.1 * np.log10(k) + shift + 0.01 * seed}
            for classifier in ("knn_euclidean", "knn_cosine", "logistic")
            for k in (1, 10, 100) for seed in range(3)]
    return pd.DataFrame(rows)


def digit_inputs():
    D = unit_columns(784, 40)
    code = np.zeros(40)
    code[:12] = RNG.uniform(0.1, 1.0, 12)
    part = analysis.active_dictionary(D, code)
    pairs, overlaps = analysis.pair_overlaps(D, part.active)
    numbers = analysis.digit_numbers(D, code, 5)
    examples = {kind: RNG.standard_normal(784) for kind in PERTURBATIONS}
    n = len(part.active)
    spectrum = pd.DataFrame({"rank": np.arange(1, n + 1), "mean_gain": part.gains,
                             **{f"rms_{kind}": RNG.uniform(0, 0.3, n) for kind in PERTURBATIONS}})
    return D, code, part, pairs, overlaps, numbers, examples, spectrum


def draw(name: str) -> plt.Figure:
    image = RNG.uniform(0, 1, 784)
    if name == "atom_grids":
        return figures.atom_grids({lam: unit_columns(784, 20) for lam in LAMS}, n_show=16)
    if name == "active_fraction":
        return figures.active_fraction(pd.DataFrame(
            {"split": "train", "lam": LAMS, "active_fraction": [0.05, 0.02]}))
    if name == "loss_curves":
        return figures.loss_curves({lam: np.geomspace(10, 1, 20) for lam in LAMS}, "epoch")
    if name == "sensitivity_overview":
        return figures.sensitivity_overview(
            image, {kind: RNG.standard_normal(784) for kind in PERTURBATIONS}, ratio_table(),
            ratio_table(), 0.3)
    if name == "sensitivity_per_lambda":
        return figures.sensitivity_per_lambda({lam: ratio_table() for lam in LAMS})
    if name == "sensitivity_medians":
        return figures.sensitivity_medians(pd.DataFrame(
            [{"representation": "sparse", "lam": lam, "dictionary_seed": seed,
              "perturbation": kind, "median": m, "q25": m - 0.1, "q75": m + 0.1}
             for seed in (0, 1) for lam in LAMS
             for kind, m in zip(PERTURBATIONS, (0.4, 0.8, 1.1), strict=True)]
            + [{"representation": "mlp", "lam": np.nan, "dictionary_seed": np.nan,
                "perturbation": kind, "median": m, "q25": m, "q75": m}
               for kind, m in zip(PERTURBATIONS, (0.4, 0.7, 0.5), strict=True)]))
    if name == "finite_perturbations":
        return figures.finite_perturbations({lam: finite_table() for lam in LAMS})
    if name == "evaluation_curves":
        return figures.evaluation_curves({"pixels": evaluation_rows(0.0),
                                          "sparse λ = 0.3": evaluation_rows(0.05)}, "test")
    D, code, part, pairs, overlaps, numbers, examples, spectrum = digit_inputs()
    if name == "digit_overlaps":
        return figures.digit_overlaps(image, D, code, pairs, overlaps, numbers, n_pairs=5)
    if name == "singular_vectors":
        return figures.singular_vectors(image, part.U, part.gains, examples, spectrum)
    if name == "eq5_scatter":
        predicted = RNG.uniform(1, 3, 30)
        return figures.eq5_scatter(pd.DataFrame({"predicted": predicted,
                                                 "finite_ratio": predicted,
                                                 "single_finite_ratio": 1.0}))
    if name == "rip_distributions":
        return figures.rip_distributions(
            {lam: pd.DataFrame({"s_min": RNG.uniform(0.1, 1, 50),
                                "s_max": RNG.uniform(1, 3, 50)}) for lam in LAMS})
    if name == "remedy_curves":
        mu = np.array([0.0, 1e-4, 1e-3, 1e-2])
        columns = [c for columns, _, _ in figures.REMEDY_PANELS for c in columns]
        table = pd.DataFrame({"mu": mu, **{c: RNG.uniform(0.1, 1, len(mu)) for c in columns},
                              "mean_squared_overlap": RNG.uniform(0.001, 0.01, len(mu))})
        return figures.remedy_curves(table.drop(columns=["rms_overlap", "sparsity_term"]))
    raise KeyError(name)


FIGURES = ("atom_grids", "active_fraction", "loss_curves", "sensitivity_overview",
           "sensitivity_per_lambda", "sensitivity_medians", "finite_perturbations",
           "evaluation_curves",
           "digit_overlaps", "singular_vectors", "eq5_scatter", "rip_distributions",
           "remedy_curves")


def test_every_figure_function_is_tested():
    public = {name for name, value in vars(figures).items()
              if callable(value) and getattr(value, "__wrapped__", None) is not None}
    assert public == set(FIGURES)


@pytest.mark.parametrize("name", FIGURES)
def test_figure_draws_and_labels_its_axes(name, tmp_path):
    fig = draw(name)
    try:
        shown = [ax for ax in fig.axes if ax.lines or ax.patches or ax.collections or ax.images]
        assert shown, "nothing drawn"
        for ax in shown:
            if ax.axison:   # a plot names both its axes (a twin axis names its own y)
                assert ax.get_xlabel() or ax.get_ylabel(), (ax.get_title(), name)
                assert ax.get_ylabel(), (ax.get_title(), name)
            else:           # an image says what it shows
                assert ax.get_title(), name
        plots = [ax for ax in shown if ax.axison and ax.get_xlabel()]
        assert all(ax.get_ylabel() for ax in plots)
        fig.savefig(tmp_path / f"{name}.png", dpi=40)
        assert (tmp_path / f"{name}.png").stat().st_size > 1000
    finally:
        plt.close(fig)


def test_loss_curves_name_the_learners_stopped_at_their_cap():
    fig = figures.loss_curves({lam: np.geomspace(10, 1, 20) for lam in LAMS}, "epoch",
                              capped={LAMS[0]})
    try:
        legend = [text.get_text() for text in fig.axes[0].get_legend().get_texts()]
        assert legend == [f"λ = {LAMS[0]:g}: cap, not converged", f"λ = {LAMS[1]:g}"]
        crosses = [line for line in fig.axes[0].lines if line.get_marker() == "x"]
        assert len(crosses) == 1 and list(crosses[0].get_xdata()) == [20]
    finally:
        plt.close(fig)


def test_figures_leave_matplotlibs_global_style_alone():
    before = dict(plt.rcParams)
    plt.close(draw("loss_curves"))
    assert dict(plt.rcParams) == before
