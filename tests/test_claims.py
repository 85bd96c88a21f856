"""Each claim's criterion on small tables: one where every claim holds, and for every claim
one change that must turn it, and it at least, into a FAIL."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sparsesens import paper
from sparsesens.claims import COLUMNS, Inputs, build_claims

LAM = 0.3
KINDS = ("noise", "swap", "distortion")
LABELS = (1, 3000)


def passing_inputs() -> Inputs:
    """Numbers that satisfy every claim, near the paper's where it gives one."""
    medians = {("sparse", 0.3): (0.4, 0.8, 1.0), ("sparse", 0.9): (0.2, 0.6, 0.9),
               ("mlp", None): (0.5, 1.0, 0.7)}
    sensitivity = pd.DataFrame(
        [{"representation": rep, "lam": lam, "perturbation": kind, "median": value}
         for (rep, lam), values in medians.items()
         for kind, value in zip(KINDS, values, strict=True)])
    digit = {**paper.DIGIT, "mean_null_power_noise": 0.9, "mean_null_power_swap": 0.3,
             "mean_null_power_distortion": 0.4}
    predicted = np.array([1.2, 1.5, 2.0])
    eq5 = pd.DataFrame({"predicted": predicted, "finite_ratio": predicted,
                        "single_finite_ratio": 1.0})
    rip = pd.DataFrame({"lam": [LAM], "delta_median": [5.0], "s_min_median": [0.2],
                        "random_delta_median": [0.8]})
    curves = {  # (representation, lam, classifier): test accuracy at 1 and 3000 labels
        ("pixels", None, "knn_euclidean"): (0.45, paper.PIXELS_KNN_ACCURACY),
        ("pixels", None, "knn_cosine"): (0.44, 0.97),
        ("pixels", None, "logistic"): (0.47, 0.92),
        ("sparse", LAM, "knn_euclidean"): (0.2, 0.92),
        ("sparse", LAM, "knn_cosine"): (0.37, 0.94),
        ("sparse", LAM, "logistic"): (0.34, 0.93),
        ("mlp", None, "knn_euclidean"): (0.7, 0.98),
        ("mlp", None, "knn_cosine"): (0.7, 0.98),
        ("mlp", None, "logistic"): (0.7, 0.99),
        ("random", None, "knn_euclidean"): (0.445, 0.972),
        ("random", None, "knn_cosine"): (0.44, 0.97),
        ("random", None, "logistic"): (0.46, 0.95),
    }
    evaluation = pd.DataFrame(
        [{"representation": rep, "lam": lam, "classifier": classifier, "k": k,
          "test_mean": value}
         for (rep, lam, classifier), values in curves.items()
         for k, value in zip(LABELS, values, strict=True)])
    return Inputs(sensitivity=sensitivity,
                  mlp_metrics={"train_accuracy": paper.MLP_TRAIN_ACCURACY,
                               "valid_accuracy": paper.MLP_VALID_ACCURACY},
                  digit=pd.DataFrame({"quantity": list(digit), "value": list(digit.values())}),
                  eq5=eq5, rip=rip, evaluation=evaluation, analysis_lam=LAM)


def set_median(rep, lam, kind, value):
    def change(inputs):
        table = inputs.sensitivity
        rows = (table.representation == rep) & (table.perturbation == kind)
        rows &= table.lam.isna() if lam is None else np.isclose(table.lam, lam)
        table.loc[rows, "median"] = value
    return change


def set_digit(quantity, value):
    def change(inputs):
        inputs.digit.loc[inputs.digit.quantity == quantity, "value"] = value
    return change


def set_accuracy(rep, classifier, k, value):
    def change(inputs):
        table = inputs.evaluation
        table.loc[(table.representation == rep) & (table.classifier == classifier)
                  & (table.k == k), "test_mean"] = value
    return change


def set_mlp(split, value):
    def change(inputs):
        inputs.mlp_metrics[f"{split}_accuracy"] = value
    return change


def scale_eq5(inputs):
    inputs.eq5["finite_ratio"] *= 1.001


def weak_rip(inputs):
    inputs.rip["delta_median"] = 0.3


def random_as_far(inputs):
    inputs.rip["random_delta_median"] = 6.0


BREAKS = {
    "sensitivity_order_lam_0.3": set_median("sparse", 0.3, "swap", 1.2),
    "mlp_distortion_below_swap": set_median("mlp", None, "distortion", 1.1),
    "mlp_noise_lowest": set_median("mlp", None, "noise", 0.8),
    "noise_falls_with_lambda": set_median("sparse", 0.9, "noise", 0.5),
    "mlp_train_accuracy": set_mlp("train", 0.95),
    "mlp_valid_accuracy": set_mlp("valid", 0.95),
    "digit_active_filters": set_digit("n_active", 46),
    "digit_max_overlap": set_digit("max_overlap", 0.9),
    "normalised_mean_filters": set_digit("normalised_mean_filters", 0.3),
    "normalised_mean_differences": set_digit("normalised_mean_differences", 0.5),
    "smallest_singular_value": set_digit("smallest_singular_value", 0.307),
    "largest_gain": set_digit("largest_gain", 3.26),
    "gain_spread": set_digit("gain_spread", 9.8),
    "max_atom_coherence": set_digit("max_coherence", 0.8),
    "noise_power_in_null_space": set_digit("mean_null_power_noise", 0.4),
    "eq5": scale_eq5,
    "rip_violated": weak_rip,
    "rip_beyond_random": random_as_far,
    "knn_euclidean_sparse_below_pixels": set_accuracy("sparse", "knn_euclidean", 3000, 0.98),
    "knn_euclidean_mlp_above_pixels": set_accuracy("mlp", "knn_euclidean", 1, 0.4),
    "knn_cosine_sparse_below_pixels": set_accuracy("sparse", "knn_cosine", 3000, 0.98),
    "knn_cosine_mlp_above_pixels": set_accuracy("mlp", "knn_cosine", 1, 0.4),
    "knn_random_equals_pixels": set_accuracy("random", "knn_euclidean", 3000, 0.95),
    "linear_sparse_below_pixels_few_labels": set_accuracy("sparse", "logistic", 1, 0.5),
    "linear_sparse_above_pixels_many_labels": set_accuracy("sparse", "logistic", 3000, 0.91),
    "linear_sparse_never_above_random": set_accuracy("sparse", "logistic", 3000, 0.96),
    "linear_mlp_above_all": set_accuracy("mlp", "logistic", 1, 0.4),
    "pixels_knn_accuracy": set_accuracy("pixels", "knn_euclidean", 3000, 0.95),
}


def statuses(inputs: Inputs) -> pd.Series:
    return build_claims(inputs).set_index("id")["status"]


def test_every_claim_passes_on_numbers_that_satisfy_it():
    claims = build_claims(passing_inputs())
    assert list(claims.columns) == list(COLUMNS)
    assert claims["id"].is_unique
    assert set(claims["id"]) == set(BREAKS) | {"sensitivity_order_lam_0.9"}
    assert (claims["status"] == "PASS").all(), claims[claims.status != "PASS"]


@pytest.mark.parametrize("claim", sorted(BREAKS))
def test_each_claim_fails_when_its_numbers_contradict_it(claim):
    inputs = passing_inputs()
    BREAKS[claim](inputs)
    assert statuses(inputs)[claim] == "FAIL"


def test_a_missing_number_is_a_fail_not_a_pass():
    inputs = passing_inputs()
    inputs.digit = inputs.digit[inputs.digit.quantity != "largest_gain"]
    inputs.evaluation = inputs.evaluation[inputs.evaluation.k < 3000]
    status = statuses(inputs)
    assert status["largest_gain"] == "FAIL" and status["pixels_knn_accuracy"] == "FAIL"
    row = build_claims(inputs).set_index("id").loc["largest_gain"]
    assert row["our_value"] == "missing" and row["paper_value"] == "6.33"


def remedy_table(**changes):
    table = pd.DataFrame({"mu": [0.0, 1e-4, 1e-2], "distortion_median": [1.1, 1.0, 0.8],
                          "max_coherence": [0.84, 0.7, 0.3], "reconstruction": [2.0, 2.05, 2.1],
                          "mean_active": [27.0, 27.5, 28.0]})
    for column, values in changes.items():
        table[column] = values
    return table


def test_the_remedys_claims_pass_and_fail_by_their_criteria():
    from sparsesens.claims import remedy_claims

    passing = remedy_claims(remedy_table()).set_index("id")["status"]
    assert (passing == "PASS").all() and len(passing) == 4
    breaks = {"remedy_lowers_coherence": {"max_coherence": [0.84, 0.8, 0.9]},
              "remedy_lowers_distortion_sensitivity": {"distortion_median": [1.1, 1.2, 0.9]},
              "remedy_keeps_reconstruction": {"reconstruction": [2.0, 2.1, 2.3]},
              "remedy_keeps_sparsity": {"mean_active": [27.0, 28.0, 31.0]}}
    for claim, change in breaks.items():
        status = remedy_claims(remedy_table(**change)).set_index("id")["status"]
        assert status[claim] == "FAIL", claim
        assert (status.drop(claim) == "PASS").all(), claim
    with pytest.raises(ValueError, match="need mu = 0"):
        remedy_claims(remedy_table().iloc[1:])


def test_the_remedys_claims_follow_the_papers_when_its_table_is_given():
    inputs = passing_inputs()
    alone = build_claims(inputs)
    inputs.remedy = remedy_table()
    both = build_claims(inputs)
    assert both["id"].tolist()[:len(alone)] == alone["id"].tolist()
    assert both["id"].tolist()[len(alone):] == [
        "remedy_lowers_coherence", "remedy_lowers_distortion_sensitivity",
        "remedy_keeps_reconstruction", "remedy_keeps_sparsity"]
