"""The paper's claims, each checked on this run's own numbers (PASS or FAIL).

Every claim is one row: id, where (section or figure), claim (one sentence), the paper's
value, ours, the criterion applied and the status. Criteria are fixed here, before any
number is seen; a FAIL is reported as it is.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sparsesens import paper

COLUMNS = ("id", "where", "claim", "paper_value", "our_value", "criterion", "status")


@dataclass
class Inputs:
    """The tables a claims check reads (see the workflow's claims rule)."""

    sensitivity: pd.DataFrame   # sensitivity/summary.tsv
    mlp_metrics: Mapping[str, float]  # mlp/metrics.json
    digit: pd.DataFrame         # analysis/digit_numbers.tsv
    eq5: pd.DataFrame           # analysis/eq5.tsv
    rip: pd.DataFrame           # analysis/rip.tsv
    evaluation: pd.DataFrame    # eval/summary.tsv
    analysis_lam: float
    remedy: pd.DataFrame | None = None  # analysis/remedy.tsv, when the grid has a mu > 0


def _row(id_: str, where: str, claim: str, paper: str, ours: str, criterion: str,
         ok: bool | None) -> dict:
    return {"id": id_, "where": where, "claim": claim, "paper_value": paper, "our_value": ours,
            "criterion": criterion, "status": "PASS" if ok else "FAIL"}


def _fmt(value: float, digits: int = 3) -> str:
    return "missing" if value is None or not np.isfinite(value) else f"{value:.{digits}g}"


def _median(sens: pd.DataFrame, rep: str, kind: str, lam: float | None = None) -> float:
    rows = sens[(sens["representation"] == rep) & (sens["perturbation"] == kind)]
    if lam is not None:
        rows = rows[np.isclose(rows["lam"], lam)]
    return float(rows["median"].iloc[0]) if len(rows) else np.nan


def sensitivity_claims(sens: pd.DataFrame) -> list[dict]:
    """Fig. 1 and 6: the ordering of the median directional derivatives."""
    rows = []
    lams = sorted(sens.loc[sens["representation"] == "sparse", "lam"].unique())
    for lam in lams:
        m = {k: _median(sens, "sparse", k, lam) for k in ("noise", "swap", "distortion")}
        rows.append(_row(
            f"sensitivity_order_lam_{lam:g}", "Fig. 1c, Fig. 6",
            f"Sparse codes (lambda {lam:g}) are more sensitive to distortions than to swaps, "
            "and to swaps than to noise.", "distortion > swap > noise",
            ", ".join(f"{k} {_fmt(v)}" for k, v in m.items()),
            "median ratio: distortion > swap > noise",
            m["distortion"] > m["swap"] > m["noise"]))
    m = {k: _median(sens, "mlp", k) for k in ("noise", "swap", "distortion")}
    rows.append(_row("mlp_distortion_below_swap", "Fig. 1d, Section 2.3",
                     "The MLP hidden layer is less sensitive to distortions than to swaps.",
                     "distortion < swap", f"distortion {_fmt(m['distortion'])}, swap "
                     f"{_fmt(m['swap'])}", "median ratio: distortion < swap",
                     m["distortion"] < m["swap"]))
    rows.append(_row("mlp_noise_lowest", "Fig. 1 caption",
                     "The MLP hidden layer is least sensitive to noise.", "noise lowest",
                     ", ".join(f"{k} {_fmt(v)}" for k, v in m.items()),
                     "median ratio: noise < swap and noise < distortion",
                     m["noise"] < min(m["swap"], m["distortion"])))
    noise = [_median(sens, "sparse", "noise", lam) for lam in lams]
    rows.append(_row("noise_falls_with_lambda", "Fig. 6",
                     "Sensitivity of sparse codes to noise falls as lambda rises.",
                     "falling", ", ".join(f"{lam:g}: {_fmt(v)}" for lam, v in
                                          zip(lams, noise, strict=True)),
                     "median noise ratio strictly decreasing in lambda",
                     len(noise) > 1 and bool(np.all(np.diff(noise) < 0))))
    return rows


def _close(id_, where, claim, paper, ours, tolerance, relative=False, digits=3):
    if relative:
        ok = np.isfinite(ours) and abs(ours - paper) <= tolerance * abs(paper)
        criterion = f"within {tolerance:.0%} of the paper"
    else:
        ok = np.isfinite(ours) and abs(ours - paper) <= tolerance
        criterion = f"within ±{tolerance:g} of the paper"
    return _row(id_, where, claim, _fmt(paper, digits), _fmt(ours, digits), criterion, ok)


# The first digit's numbers (Fig. 2 and 3, Sections 2.1, 4 and 5): claim id, where, the
# claim with {paper} for the paper's value, the quantity of analysis/digit_numbers.tsv, and
# the tolerance (relative when the last field is True).
DIGIT_CLAIMS = (
    ("digit_active_filters", "Fig. 2", "The first digit uses {paper:g} active filters "
     "(lambda {lam:g}).", "n_active", 0.25, True),
    ("digit_max_overlap", "Fig. 2b, Section 5.1", "The largest overlap among the first "
     "digit's active filters is about {paper:g}.", "max_overlap", 0.15, False),
    ("normalised_mean_filters", "Section 4.2", "Filters of the 10 most overlapping pairs "
     "have normalised mean {paper:g}.", "normalised_mean_filters", 0.15, False),
    ("normalised_mean_differences", "Section 4.2", "Their differences have normalised mean "
     "{paper:g}.", "normalised_mean_differences", 0.15, False),
    ("smallest_singular_value", "Section 5.1", "The smallest singular value of the first "
     "digit's D+ is {paper:g}.", "smallest_singular_value", 0.25, True),
    ("largest_gain", "Section 5.1", "The largest gain 1/sigma is {paper:g}.", "largest_gain",
     0.25, True),
    ("gain_spread", "Fig. 3d", "Nonzero gains span about {paper:g}x.", "gain_spread", 0.5,
     True),
    ("max_atom_coherence", "Section 2.1", "The largest cosine similarity between two atoms "
     "is about {paper:g}.", "max_coherence", 0.05, False),
)


def number_claims(inputs: Inputs) -> list[dict]:
    """The quantitative claims of Sections 2.3, 4 and 5 about the MLP and the first digit."""
    digit = inputs.digit.set_index("quantity")["value"]
    lam = inputs.analysis_lam

    def value(name):
        return float(digit.get(name, np.nan))

    mlp = inputs.mlp_metrics
    rows = [
        _close("mlp_train_accuracy", "Section 2.3",
               f"The MLP reaches {paper.MLP_TRAIN_ACCURACY:.1%} training accuracy.",
               paper.MLP_TRAIN_ACCURACY, float(mlp.get("train_accuracy", np.nan)), 0.01),
        _close("mlp_valid_accuracy", "Section 2.3",
               f"The MLP reaches {paper.MLP_VALID_ACCURACY:.1%} validation accuracy.",
               paper.MLP_VALID_ACCURACY, float(mlp.get("valid_accuracy", np.nan)), 0.01),
    ]
    for id_, where, claim, quantity, tolerance, relative in DIGIT_CLAIMS:
        reference = paper.DIGIT[quantity]
        rows.append(_close(id_, where, claim.format(paper=reference, lam=lam), reference,
                           value(quantity), tolerance, relative=relative))
    null = {k: value(f"mean_null_power_{k}") for k in ("noise", "swap", "distortion")}
    rows.append(_row("noise_power_in_null_space", "Section 5.2, Fig. 3e",
                     "Noise puts most of its power on zero-gain directions; swaps and "
                     "distortions far less.", "noise most",
                     ", ".join(f"{k} {_fmt(v)}" for k, v in null.items()),
                     "mean null-space power: noise > 0.5 and above swap and distortion",
                     null["noise"] > 0.5 and null["noise"] > max(null["swap"],
                                                                 null["distortion"])))
    worst = float(np.max(np.abs(inputs.eq5["finite_ratio"] / inputs.eq5["predicted"] - 1))) \
        if len(inputs.eq5) else np.nan
    single = float(np.max(np.abs(inputs.eq5["single_finite_ratio"] - 1))) \
        if len(inputs.eq5) else np.nan
    rows.append(_row("eq5", "Eq. 5, Section 4.1",
                     "The response along d1 - d2 is 1/sqrt(1 - d1.d2), along d1 it is 1.",
                     "exact", f"worst relative error {_fmt(worst)} (pair), {_fmt(single)} "
                     f"(single), {len(inputs.eq5)} pairs", "both below 1e-6",
                     worst < 1e-6 and single < 1e-6))
    rip = inputs.rip.set_index("lam")
    if lam in rip.index:
        delta = float(rip.loc[lam, "delta_median"])
        s_min = float(rip.loc[lam, "s_min_median"])
        random = float(rip.loc[lam, "random_delta_median"])
    else:
        delta = s_min = random = np.nan
    rows.append(_row("rip_violated", "Section 5.3",
                     "The active dictionaries are far from a restricted isometry.",
                     "violated", f"median delta {_fmt(delta)}, median smallest singular "
                     f"value {_fmt(s_min)} (lambda {lam:g})", "median RIP constant > 0.5",
                     delta > 0.5))
    # the null baseline: as many random atoms are no isometry either (about 0.8 for 96 of
    # 784), so the paper's contrast of learned with designed dictionaries needs more
    rows.append(_row("rip_beyond_random", "Section 5.3",
                     "In sparse coding the dictionary is learned rather than designed, and its "
                     "active dictionaries are further from a restricted isometry than designed "
                     "(random) ones.", "learned > random",
                     f"median delta {_fmt(delta)} learned, {_fmt(random)} for as many random "
                     f"atoms (lambda {lam:g})", "learned median delta > random's",
                     delta > random))
    return rows


def _curve(ev: pd.DataFrame, rep: str, classifier: str, lam: float | None = None
           ) -> pd.Series:
    rows = ev[(ev["representation"] == rep) & (ev["classifier"] == classifier)]
    if lam is not None:
        rows = rows[np.isclose(rows["lam"], lam)]
    return rows.set_index("k")["test_mean"].sort_index()


def evaluation_claims(ev: pd.DataFrame, lam: float) -> list[dict]:
    """Section 6 (Fig. 4): how the four representations compare, mean over seeds."""
    rows = []
    pixels = {c: _curve(ev, "pixels", c) for c in ("knn_euclidean", "knn_cosine", "logistic")}
    sparse = {c: _curve(ev, "sparse", c, lam) for c in pixels}
    mlp = {c: _curve(ev, "mlp", c) for c in pixels}
    random = {c: _curve(ev, "random", c) for c in pixels}

    def compare(id_, claim, paper, a, b, test, criterion):
        both = pd.concat([a, b], axis=1, keys=["a", "b"]).dropna()
        ok = len(both) > 0 and bool(test(both["a"], both["b"]).all())
        ours = "; ".join(f"k={k}: {x:.3f} vs {y:.3f}" for k, (x, y) in both.iterrows())
        rows.append(_row(id_, "Fig. 4, Section 6", claim, paper, ours or "missing", criterion,
                         ok))

    for metric in ("euclidean", "cosine"):
        c = f"knn_{metric}"
        compare(f"knn_{metric}_sparse_below_pixels",
                f"1-NN ({metric}): sparse codes (lambda {lam:g}) are below pixels at every k.",
                "below", sparse[c], pixels[c], lambda a, b: a < b, "sparse < pixels at every k")
        compare(f"knn_{metric}_mlp_above_pixels",
                f"1-NN ({metric}): the MLP hidden layer is above pixels at every k.", "above",
                mlp[c], pixels[c], lambda a, b: a > b, "mlp > pixels at every k")
    compare("knn_random_equals_pixels",
            "1-NN (Euclidean): the random net is about equal to pixels.", "nearly identical",
            random["knn_euclidean"], pixels["knn_euclidean"],
            lambda a, b: (a - b).abs() <= 0.01, "|random - pixels| <= 0.01 at every k")
    log_s, log_p, log_r = sparse["logistic"], pixels["logistic"], random["logistic"]
    shared = log_s.index.intersection(log_p.index)
    if len(shared):
        few, many = shared.min(), shared.max()
        rows.append(_row("linear_sparse_below_pixels_few_labels", "Fig. 4, Section 6",
                         "Linear: sparse codes are below pixels with few labels.", "below",
                         f"k={few}: {log_s[few]:.3f} vs {log_p[few]:.3f}",
                         "sparse < pixels at the smallest k", log_s[few] < log_p[few]))
        rows.append(_row("linear_sparse_above_pixels_many_labels", "Fig. 4, Section 6",
                         "Linear: sparse codes are above pixels with many labels.", "above",
                         f"k={many}: {log_s[many]:.3f} vs {log_p[many]:.3f}",
                         "sparse > pixels at the largest k", log_s[many] > log_p[many]))
    compare("linear_sparse_never_above_random",
            "Linear: sparse codes never outperform the random net.", "never above",
            log_s, log_r, lambda a, b: a <= b, "sparse <= random at every k")
    compare("linear_mlp_above_all",
            "Linear: the MLP hidden layer is above every other representation.", "above all",
            mlp["logistic"], pd.concat([log_p, log_s, log_r], axis=1).max(axis=1),
            lambda a, b: a > b, "mlp > max(pixels, sparse, random) at every k")
    knn, labels = pixels["knn_euclidean"], paper.PIXELS_KNN_LABELS
    most = knn.index.max() if len(knn) else None
    rows.append(_row("pixels_knn_accuracy", "Section 6.2",
                     f"Pixels with Euclidean 1-NN reach about {paper.PIXELS_KNN_ACCURACY:.1%} "
                     f"with {labels} labels per class.", f"{paper.PIXELS_KNN_ACCURACY:g}",
                     f"k={most}: {knn[most]:.4f}" if most else "missing",
                     f"within ±0.01 at k = {labels} (FAIL when the run has fewer labels)",
                     most == labels and abs(knn[most] - paper.PIXELS_KNN_ACCURACY) <= 0.01))
    return rows


def build_claims(inputs: Inputs) -> pd.DataFrame:
    """Every claim of the paper this workflow checks, as a tidy table (see COLUMNS): the
    remedy's conjecture last, when ``inputs.remedy`` is given."""
    rows = (sensitivity_claims(inputs.sensitivity) + number_claims(inputs)
            + evaluation_claims(inputs.evaluation, inputs.analysis_lam))
    table = pd.DataFrame(rows, columns=list(COLUMNS))
    if inputs.remedy is None:
        return table
    return pd.concat([table, remedy_claims(inputs.remedy)], ignore_index=True)


def remedy_claims(table: pd.DataFrame) -> pd.DataFrame:
    """The paper's conjecture about its remedy, checked on a grid of penalty weights.

    Args:
        table: one row per ``mu`` (0 among them) with the sparse codes' median
            ``distortion_median``, the dictionary's ``max_coherence``, and the certified
            codes' mean ``reconstruction`` error (1/2 ||x - D r||^2) and ``mean_active``
            atoms per image.
    """
    table = table.sort_values("mu").reset_index(drop=True)
    if len(table) < 2 or table["mu"].iloc[0] != 0:
        raise ValueError("the remedy's claims need mu = 0 and at least one mu > 0")
    base, top = table.iloc[0], table.iloc[-1]
    where = "Section 7 (conjecture)"

    def values(column, digits=3):
        return ", ".join(f"{mu:g}: {value:.{digits}g}" for mu, value in
                         zip(table["mu"], table[column], strict=True))

    distortion = table["distortion_median"]
    rows = [
        _row("remedy_lowers_coherence", where, "The penalty makes the atoms less coherent "
             "(the remedy acts as meant).", "lower", values("max_coherence"),
             "largest atom coherence at the largest mu below mu = 0's",
             top["max_coherence"] < base["max_coherence"]),
        _row("remedy_lowers_distortion_sensitivity", where, "A penalty on the atoms' "
             "overlaps lowers the sensitivity of sparse codes to distortions.", "lower",
             values("distortion_median"), "median distortion ratio at the largest mu below "
             "mu = 0's, and at no mu above mu = 0's",
             bool(top["distortion_median"] < base["distortion_median"]
                  and (distortion <= base["distortion_median"]).all())),
        _row("remedy_keeps_reconstruction", where, "The remedy costs little "
             "reconstruction.", "small cost", values("reconstruction"),
             "mean reconstruction error at the largest mu within 10 % of mu = 0's",
             top["reconstruction"] <= 1.1 * base["reconstruction"]),
        _row("remedy_keeps_sparsity", where, "The remedy costs little sparsity.",
             "small cost", values("mean_active", 4),
             "mean active atoms per image at the largest mu within 10 % of mu = 0's",
             top["mean_active"] <= 1.1 * base["mean_active"]),
    ]
    return pd.DataFrame(rows, columns=list(COLUMNS))
