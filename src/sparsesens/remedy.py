"""The remedy the paper proposes, measured: one row of numbers per overlap penalty ``mu``.

The paper ends (Section 7) by conjecturing that the codes' sensitivity comes from the atoms'
overlaps and that a term encouraging orthogonal atoms could lower it (after Sulam et al.,
2020). The workflow learns one dictionary per ``mu`` of ``dictionary.orthogonality`` at the
analysis lambda and runs the same experiments on each; these functions turn the results
of one ``mu`` into a row of the remedy table (the figure is
:func:`sparsesens.figures.remedy_curves`, the claims :func:`sparsesens.claims.remedy_claims`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np
import pandas as pd
import scipy.sparse

from sparsesens.analysis import digit_numbers
from sparsesens.evaluation import seed_summary
from sparsesens.records import DictionaryRecord
from sparsesens.sensitivity import paired_comparison, summarise

# the first digit's numbers the remedy table carries (Section 5.1)
DIGIT_QUANTITIES = ("n_active", "smallest_singular_value", "largest_gain", "gain_spread")


def dictionary_quantities(X: np.ndarray, D: np.ndarray, codes: scipy.sparse.sparray,
                          lam: float, digit: int, n_pairs: int) -> dict[str, float]:
    """The atoms' overlaps, the certified objective split into its two terms, and the
    first digit's conditioning, for one dictionary and its exact training codes.

    Args:
        X: (N, m) training images.
        D: (m, n) dictionary, unit-norm atoms.
        codes: (N, n) exact codes of ``X`` (sparse).
        lam: the sparsity weight the codes were solved for.
        digit: the training image whose active dictionary is analysed (Fig. 2 and 3).
        n_pairs: most overlapping pairs in the digit's numbers.

    Returns:
        ``max_coherence``, ``mean_squared_overlap``, ``overlap_q90`` and ``overlap_q99``
        (over all pairs of atoms), ``certified_objective``, ``reconstruction``
        (1/2 ||x - D r||^2) and ``mean_active`` (means over images), and
        :data:`DIGIT_QUANTITIES` of the digit.
    """
    D = np.asarray(D, dtype=np.float64)
    overlaps = np.abs(D.T @ D)[np.triu_indices(D.shape[1], 1)]
    codes = scipy.sparse.csr_array(codes)
    residual = np.asarray(X, dtype=np.float64) - codes @ D.T
    reconstruction = 0.5 * (residual ** 2).sum(axis=1)
    l1 = np.asarray(abs(codes).sum(axis=1)).ravel()
    digit_code = codes[[digit]].toarray()[0]
    numbers = digit_numbers(D, digit_code, n_pairs)
    return {"max_coherence": float(overlaps.max()),
            "mean_squared_overlap": float((overlaps ** 2).mean()),
            "overlap_q90": float(np.quantile(overlaps, 0.9)),
            "overlap_q99": float(np.quantile(overlaps, 0.99)),
            "certified_objective": float((reconstruction + lam * l1).mean()),
            "reconstruction": float(reconstruction.mean()),
            "mean_active": float(np.diff(codes.indptr).mean()),
            **{name: float(numbers[name]) for name in DIGIT_QUANTITIES}}


def sensitivity_medians(samples: pd.DataFrame) -> dict[str, float]:
    """``<perturbation>_median``: the median ratio ||dr|| / ||dx|| of each perturbation in
    a per-sample sensitivity table (columns ``perturbation``, ``ratio``), non-finite ratios
    excluded as in the sensitivity summary (:func:`sparsesens.sensitivity.summarise`)."""
    return {f"{kind}_median": summarise(group["ratio"].to_numpy())["median"]
            for kind, group in samples.groupby("perturbation", sort=False)}


def tables_of(tables: Mapping[str, pd.DataFrame], mu: float, seed: int
              ) -> dict[str, pd.DataFrame]:
    """Each table's rows of the dictionary with penalty ``mu`` and dictionary seed ``seed``
    (by the columns ``mu`` and ``dictionary_seed`` every per-dictionary table carries;
    penalties compared with :func:`numpy.isclose`, as they went through text)."""
    return {name: table[np.isclose(table["mu"], mu) & (table["dictionary_seed"] == seed)]
            for name, table in tables.items()}


def remedy_row(X: np.ndarray, D: np.ndarray, codes: scipy.sparse.sparray,
               record: DictionaryRecord, tables: Mapping[str, pd.DataFrame], digit: int,
               n_pairs: int) -> tuple[dict[str, float], pd.DataFrame]:
    """One dictionary's row of the remedy table and its accuracy at every label count.

    Args:
        X, D, codes, digit, n_pairs: as :func:`dictionary_quantities` takes them.
        record: the dictionary's record (its lambda, ``mu`` and seed).
        tables: the per-sample tables of every dictionary of the remedy: ``sensitivity``,
            ``rip``, ``matched`` (the penalties' codes at matched sparsity) and
            ``evaluation``.

    Returns:
        ``(row, accuracy)``: the row (:func:`dictionary_quantities`, the sensitivities'
        medians, the median RIP constant and, for ``mu`` > 0, :func:`matched_quantities`
        against the paper's dictionary of the same seed), and the evaluation's summary over
        labelled-subset seeds per classifier and k, with ``mu`` and ``dictionary_seed``.
    """
    mu, seed = record.mu, record.seed
    own = tables_of(tables, mu, seed)
    row = {"dictionary_seed": seed, "mu": mu,
           **dictionary_quantities(X, D, codes, record.lam, digit, n_pairs)}
    row |= sensitivity_medians(own["sensitivity"])
    row["rip_delta_median"] = float(own["rip"]["delta"].median())
    if mu > 0:  # at the lambda where its codes are as sparse as the same seed's paper's
        paper = tables_of({"sensitivity": tables["sensitivity"]}, 0.0, seed)["sensitivity"]
        row |= matched_quantities(paper, own["matched"])
    accuracy = seed_summary(own["evaluation"], ["classifier", "k"]).assign(
        mu=mu, dictionary_seed=seed)
    return row, accuracy


def remedy_table(rows: list[dict[str, float]], accuracy: pd.DataFrame) -> pd.DataFrame:
    """One row per dictionary seed and ``mu`` (``rows``, each with its ``dictionary_seed``
    and ``mu``) joined with the accuracy of each classifier at the largest label count
    (``accuracy``: ``dictionary_seed``, ``mu``, ``classifier``, ``k``, ``test_mean``),
    sorted by seed, then ``mu``."""
    keys = ["dictionary_seed", "mu"]
    most = accuracy[accuracy["k"] == accuracy["k"].max()]
    best = most.pivot_table(index=keys, columns="classifier", values="test_mean")
    best.columns.name = None
    table = pd.DataFrame(rows).merge(best.reset_index(), on=keys, how="left")
    return table.sort_values(keys).reset_index(drop=True)


def matching_lambda(mean_active: Callable[[float], float], target: float, lam: float, *,
                    rtol: float = 0.01, max_steps: int = 24) -> tuple[float, float]:
    """The sparsity weight at which a dictionary's codes are as sparse as the paper's.

    The penalty makes codes denser at the same lambda (more active atoms), and sensitivity
    grows with density, so the remedy is compared with the paper's dictionary at matched
    sparsity: at the lambda where its codes have ``target`` active atoms on average.
    Doubling brackets it, then bisection in log lambda narrows it.

    Args:
        mean_active: lambda -> mean active atoms of the codes at that lambda (falls as
            lambda grows, on average).
        target: the mean to reach (the paper's dictionary's at ``lam``).
        lam: where to start.
        rtol: stop once the mean is within this fraction of ``target``.
        max_steps: evaluations of ``mean_active`` at most.

    Returns:
        ``(lambda, mean)``: the last lambda tried within ``rtol``, or the closest one
        when ``max_steps`` ran out.
    """
    if target <= 0 or lam <= 0:
        raise ValueError(f"target ({target}) and lam ({lam}) must be > 0")
    tried = {lam: mean_active(lam)}
    low = high = lam
    # bracket: the mean at low is at least the target, at high at most
    while tried[high] > target and len(tried) < max_steps:
        low, high = high, 2 * high
        tried[high] = mean_active(high)
    while tried[low] < target and len(tried) < max_steps:
        low, high = low / 2, low
        tried[low] = mean_active(low)
    while len(tried) < max_steps:
        best = min(tried, key=lambda x: abs(tried[x] - target))
        if abs(tried[best] - target) <= rtol * target:
            break
        middle = float(np.sqrt(low * high))
        tried[middle] = mean_active(middle)
        low, high = (middle, high) if tried[middle] > target else (low, middle)
    best = min(tried, key=lambda x: abs(tried[x] - target))
    return best, tried[best]


def matched_quantities(paper: pd.DataFrame, matched: pd.DataFrame) -> dict[str, float]:
    """A remedy dictionary at matched sparsity against the paper's dictionary, sample by
    sample on the shared perturbation samples.

    Args:
        paper: the paper's dictionary's per-sample sensitivity table at the analysis lambda
            (columns ``sample``, ``perturbation``, ``ratio``).
        matched: the remedy dictionary's at its matched lambda (the same columns, and
            ``lam_matched``, ``mean_active``, ``target_active``).

    Returns:
        ``lam_matched``, ``matched_active``, ``target_active``,
        ``matched_distortion_median`` and ``matched_distortion_swap`` (median per-sample
        distortion/swap ratio), and the paired comparisons of the paper's codes against
        these (:func:`~sparsesens.sensitivity.paired_comparison`; a positive effect says
        the remedy lowers it): ``distortion_effect``, ``distortion_p`` for the distortion
        ratio, ``distortion_swap_effect``, ``distortion_swap_p`` for distortion/swap.
    """
    def by_kind(table):
        return table.pivot(index="sample", columns="perturbation", values="ratio")

    before, after = by_kind(paper), by_kind(matched).reindex(by_kind(paper).index)
    lowered = paired_comparison(before["distortion"].to_numpy(), after["distortion"].to_numpy())
    ratio_before = (before["distortion"] / before["swap"]).to_numpy()
    ratio_after = (after["distortion"] / after["swap"]).to_numpy()
    ratio = paired_comparison(ratio_before, ratio_after)
    first = matched.iloc[0]
    return {"lam_matched": float(first["lam_matched"]),
            "matched_active": float(first["mean_active"]),
            "target_active": float(first["target_active"]),
            "matched_distortion_median": summarise(after["distortion"].to_numpy())["median"],
            "matched_distortion_swap": float(np.nanmedian(ratio_after)),
            "distortion_effect": lowered["rank_biserial"], "distortion_p": lowered["p_value"],
            "distortion_swap_effect": ratio["rank_biserial"],
            "distortion_swap_p": ratio["p_value"]}
