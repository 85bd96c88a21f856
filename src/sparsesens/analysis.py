"""The locally linear analysis of Sections 3 to 5 (Fig. 2, Fig. 3, Eq. 5, RIP).

Around an image whose code has active set ``+``, the code moves linearly with the image:
``dr_+ = J_+ dx`` with ``J_+ = (D_+^T D_+)^-1 D_+^T`` (Eq. 6). With the thin SVD
``D_+ = U S W^T`` (``U``: m x k, orthonormal image-space singular vectors), ``J_+ = W S^-1 U^T``:
an image change along the i-th singular vector ``u_i`` moves the code by the gain
``1 / s_i``, and a change orthogonal to every ``u_i`` (the null space of ``J_+``) not at all.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sparsesens.sensitivity import paired_comparison


@dataclass
class ActiveDictionary:
    """The active part of a dictionary for one code, and its SVD.

    Attributes:
        active: (k,) indices of the active atoms, in atom order.
        U: (m, k) image-space singular vectors, in order of decreasing gain.
        singular_values: (k,) singular values of ``D_+``, increasing (so gains decrease).
    """

    active: np.ndarray
    U: np.ndarray
    singular_values: np.ndarray

    @property
    def gains(self) -> np.ndarray:
        """``1 / s_i``: how much a unit image change along ``u_i`` moves the code."""
        return 1.0 / self.singular_values


def active_dictionary(D: np.ndarray, code: np.ndarray) -> ActiveDictionary:
    """SVD of the active dictionary ``D_+`` of one code, ordered by decreasing gain."""
    active = np.flatnonzero(code)
    U, s, _ = np.linalg.svd(np.asarray(D, dtype=np.float64)[:, active], full_matrices=False)
    order = np.argsort(s)
    return ActiveDictionary(active, U[:, order], s[order])


def pair_overlaps(D: np.ndarray, active: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Overlaps ``d_a . d_b`` of every pair a < b of the given atoms.

    Returns:
        ``(pairs, overlaps)``: (P, 2) atom indices and (P,) overlaps, most overlapping first.
    """
    active = np.asarray(active)
    Dp = np.asarray(D, dtype=np.float64)[:, active]
    i, j = np.triu_indices(len(active), k=1)
    overlaps = (Dp.T @ Dp)[i, j]
    order = np.argsort(-overlaps, kind="stable")
    return np.stack([active[i], active[j]], axis=1)[order], overlaps[order]


def sample_active_pairs(D: np.ndarray, codes: np.ndarray, pairs_per_image: int,
                        rng: np.random.Generator) -> pd.DataFrame:
    """Pairs of active atoms per image on which to check Eq. 5.

    Half of each image's pairs are its most overlapping ones (where the code is most
    sensitive), half are drawn at random among all its active pairs; an image with fewer
    pairs gives them all, one with a single active atom none.

    Returns:
        one row per pair: ``sample`` (row of ``codes``), ``atom_a``, ``atom_b``, ``overlap``.
    """
    rows = []
    for sample, code in enumerate(np.asarray(codes)):
        pairs, overlaps = pair_overlaps(D, np.flatnonzero(code))
        if len(pairs) == 0:
            continue
        n_top = min(pairs_per_image // 2, len(pairs))
        n_random = min(pairs_per_image - pairs_per_image // 2, len(pairs))
        chosen = np.unique(np.concatenate(
            [np.arange(n_top), rng.choice(len(pairs), n_random, replace=False)]))
        rows += [{"sample": sample, "atom_a": a, "atom_b": b, "overlap": overlap}
                 for (a, b), overlap in zip(pairs[chosen], overlaps[chosen], strict=True)]
    return pd.DataFrame(rows, columns=["sample", "atom_a", "atom_b", "overlap"])


def normalised_mean(vectors: np.ndarray) -> np.ndarray:
    """``sum_m v_m / sum_m |v_m|`` of each row: 1 for a non-negative image, 0 for a balanced one."""
    vectors = np.asarray(vectors, dtype=np.float64)
    return vectors.sum(axis=1) / np.abs(vectors).sum(axis=1)


def eq5_prediction(overlap: np.ndarray) -> np.ndarray:
    """Eq. 5: the directional derivative along ``d_1 - d_2`` is ``1 / sqrt(1 - d_1 . d_2)``."""
    return 1.0 / np.sqrt(1.0 - np.asarray(overlap, dtype=np.float64))


def amplitude_spectrum(U: np.ndarray, dx: np.ndarray) -> tuple[np.ndarray, float]:
    """Overlaps of a unit perturbation with the singular vectors, and its null-space power.

    Args:
        U: (m, k) orthonormal singular vectors.
        dx: (m,) perturbation (any norm; it is normalised).

    Returns:
        ``(overlaps, null_power)``: (k,) ``u_i . dx / ||dx||`` and the power outside the
        span of ``U``, so that ``sum(overlaps**2) + null_power == 1``.
    """
    unit = np.asarray(dx, dtype=np.float64) / np.linalg.norm(dx)
    overlaps = U.T @ unit
    return overlaps, float(max(0.0, 1.0 - overlaps @ overlaps))


def ragged_mean(arrays: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Mean of ragged 1-d arrays position by position (arrays too short are skipped).

    Returns:
        ``(mean, count)``: (K,) per position, K the longest length, and how many arrays
        reached it.
    """
    longest = max((len(a) for a in arrays), default=0)
    total, count = np.zeros(longest), np.zeros(longest, dtype=np.int64)
    for array in arrays:
        total[:len(array)] += np.asarray(array, dtype=np.float64)
        count[:len(array)] += 1
    return total / np.maximum(count, 1), count


def rms_spectrum(spectra: list[np.ndarray]) -> np.ndarray:
    """Root-mean-square of ragged amplitude spectra, rank by rank (Fig. 3e)."""
    return np.sqrt(ragged_mean([np.asarray(s) ** 2 for s in spectra])[0])


def restricted_isometry(D: np.ndarray, codes: np.ndarray) -> dict[str, np.ndarray]:
    """Extreme singular values of each code's active dictionary and the RIP constant.

    For unit-norm atoms the restricted isometry property with constant ``delta`` asks
    ``(1 - delta) ||r||^2 <= ||D r||^2 <= (1 + delta) ||r||^2`` on the support, so each active
    set implies ``delta >= max(1 - s_min^2, s_max^2 - 1)``; ``delta`` near 1 means no RIP.

    Returns:
        dict of (N,) arrays: n_active, s_min, s_max, delta (nan for an empty code).
    """
    D = np.asarray(D, dtype=np.float64)
    out = {name: np.full(len(codes), np.nan) for name in ("s_min", "s_max", "delta")}
    out["n_active"] = np.zeros(len(codes), dtype=np.int64)
    for row, code in enumerate(np.asarray(codes)):
        active = np.flatnonzero(code)
        out["n_active"][row] = len(active)
        if len(active):
            s = np.linalg.svd(D[:, active], compute_uv=False)
            out["s_min"][row], out["s_max"][row] = s.min(), s.max()
            out["delta"][row] = max(1.0 - s.min() ** 2, s.max() ** 2 - 1.0)
    return out


def random_restricted_isometry(n_pixels: int, n_active: np.ndarray, seed: int
                               ) -> dict[str, np.ndarray]:
    """The RIP numbers of random atoms in place of each image's active dictionary: a null
    baseline for :func:`restricted_isometry`.

    For each count ``k`` of ``n_active`` (one per image), ``k`` independent Gaussian atoms in
    ``n_pixels`` dimensions, normalised, as a dictionary designed for compressed sensing
    would have them; their numbers are what the number of active atoms alone implies
    (``delta`` near ``(1 + sqrt(k / m))^2 - 1`` and ``s_min`` near ``1 - sqrt(k / m)`` by the
    Marchenko-Pastur edges), so a learned dictionary's excess over them is what learning
    adds.

    Returns:
        dict of (N,) arrays ``delta`` and ``s_min`` of the random atoms (nan where ``k`` is 0).
    """
    rng = np.random.default_rng(seed)
    out = {name: np.full(len(n_active), np.nan) for name in ("delta", "s_min")}
    for row, k in enumerate(np.asarray(n_active, dtype=np.int64)):
        if k:
            atoms = rng.standard_normal((n_pixels, k))
            s = np.linalg.svd(atoms / np.linalg.norm(atoms, axis=0), compute_uv=False)
            out["delta"][row] = max(1.0 - s.min() ** 2, s.max() ** 2 - 1.0)
            out["s_min"][row] = s.min()
    return out


def digit_numbers(D: np.ndarray, code: np.ndarray, n_pairs: int = 10) -> dict[str, float]:
    """The numbers the paper quotes for one digit (Sections 4.2 and 5.1).

    An atom's sign is arbitrary (flipping it and its coefficient changes nothing), so each
    pair is oriented by the sign of its first atom's coefficient: the filter as it enters
    the reconstruction, and the difference ``sign(r_a) (d_a - d_b)``.

    Returns:
        n_active, the largest overlap among active pairs, the mean normalised mean of the
        first atoms of the ``n_pairs`` most overlapping pairs and of their differences, the
        smallest singular value of ``D_+``, the largest gain and the gain spread
        (largest over smallest gain).
    """
    part = active_dictionary(D, code)
    pairs, overlaps = pair_overlaps(D, part.active)
    top = pairs[:n_pairs]
    D = np.asarray(D, dtype=np.float64)
    sign = np.sign(np.asarray(code)[top[:, 0]])[:, None]
    # a code of one atom has no pair: its pair numbers are missing, not a mean of nothing
    has_pairs, has_atoms = len(top) > 0, len(part.active) > 0
    return {"n_active": float(len(part.active)),
            "max_overlap": float(overlaps[0]) if has_pairs else np.nan,
            "normalised_mean_filters": float(
                normalised_mean(sign * D[:, top[:, 0]].T).mean()) if has_pairs else np.nan,
            "normalised_mean_differences": float(
                normalised_mean(sign * (D[:, top[:, 0]] - D[:, top[:, 1]]).T).mean())
            if has_pairs else np.nan,
            # an empty code (lambda above every correlation) has no active dictionary
            "smallest_singular_value": float(part.singular_values[0]) if has_atoms else np.nan,
            "largest_gain": float(part.gains[0]) if has_atoms else np.nan,
            "gain_spread": float(part.gains[0] / part.gains[-1]) if has_atoms else np.nan}


def digit_number_table(D: np.ndarray, codes: np.ndarray, indices: np.ndarray,
                       n_pairs: int = 10) -> pd.DataFrame:
    """:func:`digit_numbers` of many digits, one row each: the first digit's numbers as a
    distribution.

    Args:
        D: (m, n) dictionary.
        codes: (N, n) codes of the digits (dense rows, or any array indexable by row).
        indices: the rows of ``codes`` to analyse; a row with fewer than two active atoms
            has no pair and gets NaN for its pair numbers.
        n_pairs: most overlapping pairs of the normalised means.

    Returns:
        Columns ``digit`` (the index), the numbers of :func:`digit_numbers` and
        ``pair_gain``, Eq. 5's gain ``1 / sqrt(1 - overlap)`` of the largest overlap.
    """
    rows = []
    for index in np.asarray(indices):
        code = np.asarray(codes[index]).ravel()
        if np.count_nonzero(code) == 0:
            continue
        numbers = digit_numbers(D, code, n_pairs)
        rows.append({"digit": int(index), **numbers,
                     "pair_gain": 1 / np.sqrt(1 - numbers["max_overlap"])})
    return pd.DataFrame(rows)


def distribution_digits(n_images: int, n_digits: int, seed: int, digit: int) -> np.ndarray:
    """The sorted indices of the digits whose numbers form the distribution: ``n_digits``
    drawn without replacement (seeded) from ``n_images``, and the analysed ``digit`` among
    them, so that each dictionary's own value of the first digit is in its table."""
    drawn = np.random.default_rng(seed).choice(n_images, min(n_digits, n_images),
                                               replace=False)
    return np.union1d(drawn, [digit]) if 0 <= digit < n_images else np.sort(drawn)


def digit_distribution(D: np.ndarray, X: np.ndarray, codes: np.ndarray, indices: np.ndarray,
                       n_pairs: int = 10) -> pd.DataFrame:
    """:func:`digit_number_table` of the digits ``indices`` with each digit's
    :func:`relative_reconstruction_error`.

    Args:
        D: (m, n) dictionary.
        X: (len(indices), m) the digits' images.
        codes: (len(indices), n) their dense codes.
        indices: the digits' indices in their split, the table's ``digit``.
        n_pairs: most overlapping pairs of the normalised means.

    Returns:
        One row per digit with a nonzero code (see :func:`digit_number_table`).
    """
    table = digit_number_table(D, codes, np.arange(len(indices)), n_pairs)
    if table.empty:
        return table
    error = relative_reconstruction_error(X, D, codes)
    table["relative_error"] = error[table["digit"].to_numpy()]
    table["digit"] = np.asarray(indices)[table["digit"].to_numpy()]
    return table


def relative_reconstruction_error(X: np.ndarray, D: np.ndarray, codes: np.ndarray
                                  ) -> np.ndarray:
    """``||x - D r||^2 / ||x||^2`` of each image (row of ``X``) and its code: the share of
    its energy the reconstruction misses (Section 2.1: "highly accurate")."""
    X = np.asarray(X, dtype=np.float64)
    residual = X - np.asarray(codes, dtype=np.float64) @ np.asarray(D, dtype=np.float64).T
    return (residual ** 2).sum(axis=1) / (X ** 2).sum(axis=1)


def spectra_by_kind(D: np.ndarray, codes: np.ndarray, perturbations: Mapping[str, np.ndarray]
                    ) -> tuple[dict[str, dict[str, object]], list[np.ndarray]]:
    """Amplitude spectra of many (code, perturbation) samples, each on its own ``D_+``.

    Returns:
        ``(spectra, gains)``: kind -> {"spectra": list of (k_s,) overlaps, "null_power": (S,)
        array}, and each sample's (k_s,) gains (one SVD per sample serves every kind).
    """
    out = {kind: {"spectra": [], "null_power": []} for kind in perturbations}
    gains = []
    for row, code in enumerate(np.asarray(codes)):
        part = active_dictionary(D, code)
        gains.append(part.gains)
        for kind, dX in perturbations.items():
            overlaps, null = amplitude_spectrum(part.U, dX[row])
            out[kind]["spectra"].append(overlaps)
            out[kind]["null_power"].append(null)
    for kind in out:
        out[kind]["null_power"] = np.asarray(out[kind]["null_power"])
    return out, gains


def rip_summary(tables: list[pd.DataFrame]) -> pd.DataFrame:
    """One row per dictionary of its restricted-isometry distributions
    (:func:`restricted_isometry` per image, with the random atoms' ``random_delta``).

    Args:
        tables: one per-image table per dictionary, each naming its dictionary in its
            columns ``lam`` and ``dictionary_seed`` and holding ``n_active``, ``s_min``,
            ``s_max``, ``delta`` and ``random_delta``.

    Returns:
        Rows sorted by lambda, then seed: ``n_images``, ``median_active``, the quartiles
        ``<s_min|s_max|delta>_<q25|median|q75>``, ``fraction_delta_above_half`` and
        ``random_delta_median``; where the tables hold the random atoms' ``random_s_min``,
        also its median and the paired comparison of it with ``s_min`` over the images
        (:func:`~sparsesens.sensitivity.paired_comparison`: ``s_min_below_random_effect``,
        the rank-biserial correlation, and ``s_min_below_random_p``).
    """
    rows = []
    for table in tables:
        row = {"lam": float(table["lam"].iloc[0]),
               "dictionary_seed": int(table["dictionary_seed"].iloc[0]),
               "n_images": len(table), "median_active": table["n_active"].median()}
        for column in ("s_min", "s_max", "delta"):
            quartiles = table[column].quantile([0.25, 0.5, 0.75])
            row.update({f"{column}_q25": quartiles[0.25], f"{column}_median": quartiles[0.5],
                        f"{column}_q75": quartiles[0.75]})
        row["fraction_delta_above_half"] = float((table["delta"] > 0.5).mean())
        row["random_delta_median"] = float(table["random_delta"].median())
        if "random_s_min" in table:
            row["random_s_min_median"] = float(table["random_s_min"].median())
            # image by image: how far the random atoms' smallest singular value lies above
            # the dictionary's (the cancellation among its active atoms)
            below = paired_comparison(table["random_s_min"].to_numpy(),
                                      table["s_min"].to_numpy())
            row["s_min_below_random_effect"] = below["rank_biserial"]
            row["s_min_below_random_p"] = below["p_value"]
        rows.append(row)
    return pd.DataFrame(rows).sort_values(["lam", "dictionary_seed"]).reset_index(drop=True)


@dataclass
class DigitAnalysis:
    """One digit's active dictionary and the perturbations' spectra (Fig. 2 and 3).

    Attributes:
        numbers: :func:`digit_numbers` (and ``max_coherence``, when given), with
            ``digit_null_power_<kind>`` (the digit's own
            perturbation examples) and ``mean_null_power_<kind>`` (over the samples).
        gains: per rank of the digit's active dictionary: ``rank``, ``singular_value``,
            ``gain`` and ``overlap_<kind>`` of each example's amplitude spectrum.
        pairs, overlaps: every pair of active atoms and its overlap (:func:`pair_overlaps`).
        spectrum: per gain rank over the samples: ``rank``, ``n_samples``, ``mean_gain``
            and ``rms_<kind>`` (:func:`rms_spectrum`).
        active: the digit's :class:`ActiveDictionary`.
    """

    numbers: dict[str, float]
    gains: pd.DataFrame
    pairs: np.ndarray
    overlaps: np.ndarray
    spectrum: pd.DataFrame
    active: ActiveDictionary


def digit_analysis(D: np.ndarray, code: np.ndarray, examples: Mapping[str, np.ndarray],
                   sample_codes: np.ndarray, sample_perturbations: Mapping[str, np.ndarray],
                   n_pairs: int = 10, max_coherence: float | None = None) -> DigitAnalysis:
    """Everything Fig. 2 and 3 show of one digit, and the spectra over the samples.

    Args:
        D: (m, n) dictionary.
        code: (n,) the digit's exact code.
        examples: kind -> (m,) one perturbation of the digit of each kind.
        sample_codes: (S, n) exact codes of the sensitivity samples' images.
        sample_perturbations: kind -> (S, m) their perturbations.
        n_pairs: most overlapping pairs in :func:`digit_numbers`.
        max_coherence: the dictionary's largest atom coherence, kept among the numbers
            after the digit's own (the learner records it with the dictionary).
    """
    numbers = digit_numbers(D, code, n_pairs)
    if max_coherence is not None:
        numbers["max_coherence"] = float(max_coherence)
    part = active_dictionary(D, code)
    pairs, overlaps = pair_overlaps(D, part.active)
    gains = pd.DataFrame({"rank": np.arange(1, len(part.active) + 1),
                          "singular_value": part.singular_values, "gain": part.gains})
    for kind, dx in examples.items():
        overlap, null = amplitude_spectrum(part.U, dx)
        gains[f"overlap_{kind}"] = overlap
        numbers[f"digit_null_power_{kind}"] = null
    # each sample on its own active dictionary, aligned by gain rank (Fig. 3e)
    spectra, sample_gains = spectra_by_kind(D, sample_codes, sample_perturbations)
    mean_gain, count = ragged_mean(sample_gains)
    spectrum = pd.DataFrame({"rank": np.arange(1, len(count) + 1), "n_samples": count,
                             "mean_gain": mean_gain})
    for kind in sample_perturbations:
        spectrum[f"rms_{kind}"] = rms_spectrum(spectra[kind]["spectra"])
        numbers[f"mean_null_power_{kind}"] = float(spectra[kind]["null_power"].mean())
    return DigitAnalysis(numbers, gains, pairs, overlaps, spectrum, part)
