"""The criteria ledger: when each claim's criterion was fixed, what changed after a result
had been seen, and which rows are checks rather than claims.

Each entry is keyed as the paper's quotes are (a claim's id without its lambda suffix, or
``remedy`` for the remedy's conjecture where a claim has no entry of its own). A date is
the day the criterion as it reads now entered this project's history. A criterion that was
changed after a run had been judged by its predecessor is listed in :data:`EARLIER`, and
its row keeps the predecessor's verdict beside the new one (docs/methods.md, "Criteria
ledger").
"""

from __future__ import annotations

from dataclasses import dataclass

# Rows that test the workflow or the data rather than a finding of the paper: an identity
# of exact codes, the data set's own accuracy, the calibration that chose the pixel scale,
# and the remedy's manipulation check. They keep their status but stand apart as checks.
CHECKS = frozenset({"eq5", "pixels_knn_accuracy", "digit_active_filters",
                    "remedy_lowers_coherence", "readout_decay_inside_grid"})

_FIRST = "2026-11-27"        # the first claims table
_REFEREE = "2026-12-05"      # the claims a referee can check: paired orders, quotes
_POWER = "2026-12-07"        # criteria re-read against controls that could fail them
# on the same day, later: accuracies on the test split, the logistic read-out on the
# features as given, a grid down to no penalty
_READOUT = "2026-12-07"

FIXED = {
    "distortion_above_swap": _REFEREE,
    "sparse_noise_lowest": _POWER,
    "distortion_swap_gap_intermediate": _POWER,
    "noise_falls_with_lambda": _POWER,
    "active_fraction_falls_with_lambda": _POWER,
    "finite_perturbations_similar": _REFEREE,
    "mlp_distortion_below_swap": _REFEREE,
    "mlp_noise_lowest": _REFEREE,
    "mlp_train_accuracy": _FIRST,
    "mlp_valid_accuracy": _FIRST,
    "reconstructions_accurate": _REFEREE,
    "digit_active_filters": _FIRST,
    "digit_max_overlap": _POWER,
    "normalised_mean_filters": _POWER,
    "normalised_mean_differences": _POWER,
    "smallest_singular_value": _POWER,
    "largest_gain": _POWER,
    "gain_spread": _POWER,
    "pair_gain_below_largest": _REFEREE,
    "max_atom_coherence": _REFEREE,
    "noise_power_mostly_null": _REFEREE,
    "swap_distortion_power_off_null": _REFEREE,
    "distortion_power_toward_high_gain": _REFEREE,
    "eq5": _FIRST,
    "rip_violated": _FIRST,
    "rip_beyond_random": _POWER,
    "knn_euclidean_sparse_below_pixels": _FIRST,
    "knn_cosine_sparse_below_pixels": _FIRST,
    "knn_euclidean_mlp_above_pixels": _FIRST,
    "knn_cosine_mlp_above_pixels": _FIRST,
    "knn_random_equals_pixels": _POWER,
    "knn_cosine_random_equals_pixels": _POWER,
    "linear_sparse_below_pixels_few_labels": _FIRST,
    "linear_sparse_above_pixels_many_labels": _FIRST,
    "linear_sparse_never_above_random": _FIRST,
    "linear_sparse_never_above_random_wide_grid": _FIRST,
    "linear_sparse_never_above_random_rms_wide_grid": _READOUT,
    "readout_decay_inside_grid": _READOUT,
    "linear_mlp_above_all": _FIRST,
    "pixels_knn_accuracy": "2026-11-28",
    "classification_every_lambda": _POWER,
    "remedy_lowers_coherence": "2026-11-28",
    "remedy_lowers_distortion_sensitivity": "2026-11-28",
    "remedy_keeps_reconstruction": "2026-11-28",
    "remedy_keeps_sparsity": "2026-11-28",
    "remedy_lowers_distortion_sensitivity_matched": _REFEREE,
    "remedy_lowers_distortion_swap_matched": _REFEREE,
    "remedy_weaker_when_overcomplete": _REFEREE,
}


@dataclass(frozen=True)
class Earlier:
    """A criterion that a row was judged by before its present one."""

    criterion: str
    until: str     # the day it was replaced
    why: str       # why, in a sentence


# criteria changed after runs had been judged by them
EARLIER = {
    "max_atom_coherence": Earlier(
        "within ±0.05 of the paper's 0.9", _REFEREE,
        "replaced after two full-scale MNIST runs of 2026-11-28 had failed it (0.836 and "
        "0.816; benchmarks/reference/full_cpu_2026-11-28 and full_cpu_scaled_2026-11-28), "
        "on the reading that the paper quotes the number to argue that atoms are distinct"),
}

# Fig. 4's rows were judged on the validation split, where the logistic decay is also
# chosen, with the logistic read-out on features divided by their RMS norm, until the
# read-out was settled; each keeps that reading's verdict (on today's grids)
_VALIDATION_READOUT = Earlier(
    "the same comparison on the validation split's accuracies, the logistic read-out on "
    "RMS-scaled features", _READOUT,
    "the split that chooses the decay no longer measures it, and the paper's text names no "
    "rescaling")
READOUT_ROWS = ("knn_euclidean_sparse_below_pixels", "knn_cosine_sparse_below_pixels",
                "knn_euclidean_mlp_above_pixels", "knn_cosine_mlp_above_pixels",
                "knn_random_equals_pixels", "knn_cosine_random_equals_pixels",
                "linear_sparse_below_pixels_few_labels",
                "linear_sparse_above_pixels_many_labels", "linear_sparse_never_above_random",
                "linear_sparse_never_above_random_wide_grid", "linear_mlp_above_all",
                "classification_every_lambda")
EARLIER |= dict.fromkeys(READOUT_ROWS, _VALIDATION_READOUT)


def fixed_on(key: str) -> str:
    """The date the criterion of the claim keyed ``key`` was fixed."""
    if key not in FIXED:
        raise KeyError(f"claim {key!r} has no date in the criteria ledger")
    return FIXED[key]


# what starts the part of a note that keeps an earlier criterion's verdict
EARLIER_MARK = "earlier criterion: "


def with_earlier(claim: dict, key: str, earlier_passes: bool | str) -> dict:
    """``claim`` (a row) with its note keeping the verdict of the criterion it had before
    (:data:`EARLIER`) beside the present one: whether it passes, or its status."""
    earlier = EARLIER[key]
    verdict = (earlier_passes if isinstance(earlier_passes, str)
               else "PASS" if earlier_passes else "FAIL")
    kept = (f"{EARLIER_MARK}{earlier.criterion} until {earlier.until}, by which this value "
            f"would {verdict} ({earlier.why})")
    return {**claim, "note": "; ".join(filter(None, [claim["note"], kept]))}
