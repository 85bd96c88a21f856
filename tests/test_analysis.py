import warnings

import numpy as np
import pytest

from sparsesens import analysis, lasso, sensitivity
from tests.conftest import random_dictionary


@pytest.fixture(scope="module")
def coded():
    D = random_dictionary(49, 80, 21, coherence=0.9)
    X = np.random.default_rng(22).standard_normal((12, 49))
    result = lasso.encode(X, D, 0.2)
    assert result.certified.all()
    return D, X, result.codes


def test_eq5_on_a_synthetic_pair(coded):
    D, X, R = coded
    code = R[0]
    pairs, overlaps = analysis.pair_overlaps(D, np.flatnonzero(code))
    assert np.all(np.diff(overlaps) <= 0)  # most overlapping first
    (a, b), overlap = pairs[0], overlaps[0]
    eps = 1e-6
    moves = np.stack([D[:, a] - D[:, b], D[:, a]])
    finite = sensitivity.finite_difference_ratio(lambda Z: lasso.encode(Z, D, 0.2).codes,
                                                 np.stack([X[0], X[0]]), np.stack([code, code]),
                                                 moves, eps)
    np.testing.assert_allclose(finite, [analysis.eq5_prediction(overlap), 1.0], rtol=1e-6)


def test_gains_are_the_inverse_singular_values_of_the_active_dictionary(coded):
    D, _, R = coded
    part = analysis.active_dictionary(D, R[1])
    s = np.linalg.svd(D[:, np.flatnonzero(R[1])], compute_uv=False)
    np.testing.assert_allclose(np.sort(part.gains)[::-1], np.sort(1 / s)[::-1], rtol=1e-12)
    assert np.all(np.diff(part.gains) <= 0)  # decreasing gain
    np.testing.assert_allclose(part.U.T @ part.U, np.eye(len(part.active)), atol=1e-12)
    # the active Jacobian moves the code by exactly the gain along each singular vector
    _, J = sensitivity.active_jacobian(D, R[1])
    np.testing.assert_allclose(np.linalg.norm(J @ part.U, axis=0), part.gains, rtol=1e-10)


def test_spectrum_of_a_unit_perturbation_sums_to_one(coded):
    D, _, R = coded
    part = analysis.active_dictionary(D, R[2])
    dx = np.random.default_rng(23).standard_normal(49) * 5
    overlaps, null = analysis.amplitude_spectrum(part.U, dx)
    assert (overlaps ** 2).sum() + null == pytest.approx(1.0, abs=1e-12)
    # a perturbation inside the span of D+ has no power in its null space
    within = part.U @ np.arange(1.0, len(overlaps) + 1)
    overlaps, null = analysis.amplitude_spectrum(part.U, within)
    assert null == pytest.approx(0.0, abs=1e-12)
    np.testing.assert_allclose(overlaps, np.arange(1.0, len(overlaps) + 1)
                               / np.linalg.norm(within), rtol=1e-10)


def test_ragged_spectra_average_rank_by_rank():
    mean, count = analysis.ragged_mean([np.array([1.0, 3.0]), np.array([3.0])])
    np.testing.assert_allclose(mean, [2.0, 3.0])
    assert count.tolist() == [2, 1]
    np.testing.assert_allclose(analysis.rms_spectrum([np.array([3.0, 4.0]),
                                                      np.array([4.0])]), [np.sqrt(12.5), 4.0])


def test_restricted_isometry_of_orthonormal_and_coherent_supports():
    Q = np.linalg.qr(np.random.default_rng(24).standard_normal((20, 20)))[0]
    codes = np.zeros((2, 20))
    codes[0, :5] = 1.0
    rip = analysis.restricted_isometry(Q, codes)
    assert rip["s_min"][0] == pytest.approx(1.0) and rip["delta"][0] == pytest.approx(0, abs=1e-12)
    assert np.isnan(rip["delta"][1]) and rip["n_active"].tolist() == [5, 0]
    pair = np.stack([Q[:, 0], (Q[:, 0] + 0.1 * Q[:, 1]) / np.linalg.norm([1, 0.1])], axis=1)
    rip = analysis.restricted_isometry(pair, np.ones((1, 2)))
    overlap = pair[:, 0] @ pair[:, 1]
    assert rip["s_min"][0] == pytest.approx(np.sqrt(1 - overlap))
    assert rip["delta"][0] == pytest.approx(overlap)


def test_digit_numbers_orient_filters_by_their_coefficient(coded):
    D, _, R = coded
    numbers = analysis.digit_numbers(D, R[3], n_pairs=3)
    flipped = D.copy()
    flipped[:, np.flatnonzero(R[3])] *= -1
    again = analysis.digit_numbers(flipped, -R[3], n_pairs=3)
    for key in numbers:
        assert again[key] == pytest.approx(numbers[key])
    assert numbers["n_active"] == np.count_nonzero(R[3])
    assert numbers["gain_spread"] == pytest.approx(numbers["largest_gain"]
                                                   * analysis.active_dictionary(D, R[3])
                                                   .singular_values[-1])
    np.testing.assert_allclose(analysis.normalised_mean(np.array([[1.0, 1.0], [1.0, -1.0]])),
                               [1.0, 0.0])


def test_digit_number_table_is_digit_numbers_row_by_row(coded):
    D, _, R = coded
    codes = R.copy()
    codes[1] = 0.0  # a digit without a code has no numbers and no row
    table = analysis.digit_number_table(D, codes, [3, 1, 0], n_pairs=3)
    assert table["digit"].tolist() == [3, 0]
    for _, row in table.iterrows():
        numbers = analysis.digit_numbers(D, codes[int(row["digit"])], n_pairs=3)
        assert all(row[key] == pytest.approx(value, nan_ok=True)
                   for key, value in numbers.items())
        assert row["pair_gain"] == pytest.approx(1 / np.sqrt(1 - numbers["max_overlap"]),
                                                 nan_ok=True)


def test_relative_reconstruction_error_is_the_missed_share_of_energy():
    D = np.eye(3)
    X = np.array([[3.0, 4.0, 0.0], [1.0, 0.0, 0.0]])
    codes = np.array([[3.0, 0.0, 0.0], [1.0, 0.0, 0.0]])
    np.testing.assert_allclose(analysis.relative_reconstruction_error(X, D, codes),
                               [16 / 25, 0.0])


def test_spectra_by_kind_share_one_svd_per_sample(coded):
    D, _, R = coded
    dX = np.random.default_rng(25).standard_normal((3, 49))
    spectra, gains = analysis.spectra_by_kind(D, R[:3], {"noise": dX, "twice": 2 * dX})
    for row in range(3):
        np.testing.assert_allclose(gains[row], analysis.active_dictionary(D, R[row]).gains)
        total = (spectra["noise"]["spectra"][row] ** 2).sum() + spectra["noise"]["null_power"][row]
        assert total == pytest.approx(1.0, abs=1e-12)
        np.testing.assert_allclose(spectra["twice"]["spectra"][row],
                                   spectra["noise"]["spectra"][row])  # unit perturbations


def test_active_pairs_sampled_per_image_take_the_most_overlapping_and_random_ones(coded):
    D, _, R = coded
    table = analysis.sample_active_pairs(D, R, 6, np.random.default_rng(0))
    assert list(table.columns) == ["sample", "atom_a", "atom_b", "overlap"]
    for sample, rows in table.groupby("sample"):
        pairs, overlaps = analysis.pair_overlaps(D, np.flatnonzero(R[sample]))
        assert len(rows) == len(set(zip(rows.atom_a, rows.atom_b, strict=True)))  # no repeats
        assert min(len(pairs), 3) <= len(rows) <= min(len(pairs), 6)
        # the three most overlapping pairs are always among them
        top = {tuple(p) for p in pairs[:3]}
        assert top <= set(zip(rows.atom_a, rows.atom_b, strict=True))
        np.testing.assert_allclose(rows.overlap, np.einsum(
            "ij,ij->j", D[:, rows.atom_a], D[:, rows.atom_b]), atol=1e-12)
    # images with fewer than two active atoms give no pairs
    single = np.zeros_like(R[:2])
    single[0, 0] = 1.0
    assert analysis.sample_active_pairs(D, single, 6, np.random.default_rng(0)).empty


def test_random_atoms_are_the_rip_baseline_that_dimension_counting_predicts():
    n_active = np.array([96, 96, 96, 0, 10])
    random = analysis.random_restricted_isometry(784, n_active, seed=3)
    deltas, s_min = random["delta"], random["s_min"]
    # the Marchenko-Pastur edges for 96 of 784: (1 + sqrt(96 / 784))^2 - 1, about 0.82,
    # and 1 - sqrt(96 / 784), about 0.65
    edge = (1 + np.sqrt(96 / 784)) ** 2 - 1
    assert np.all(np.abs(deltas[:3] - edge) < 0.15) and np.isnan(deltas[3])
    assert np.all(np.abs(s_min[:3] - (1 - np.sqrt(96 / 784))) < 0.05) and np.isnan(s_min[3])
    assert deltas[4] < deltas[0] and s_min[4] > s_min[0]  # fewer atoms, nearer an isometry
    again = analysis.random_restricted_isometry(784, n_active, seed=3)
    np.testing.assert_array_equal(np.nan_to_num(again["delta"]), np.nan_to_num(deltas))


def test_a_code_of_one_atom_has_its_own_numbers_and_no_pair_numbers(coded):
    D, _, _ = coded
    code = np.zeros(D.shape[1])
    code[2] = 1.5
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no mean of an empty selection
        numbers = analysis.digit_numbers(D, code, n_pairs=3)
    assert numbers["n_active"] == 1 and numbers["smallest_singular_value"] == pytest.approx(1.0)
    assert all(np.isnan(numbers[key]) for key in ("max_overlap", "normalised_mean_filters",
                                                  "normalised_mean_differences"))


def test_an_empty_code_has_no_numbers_and_no_error(coded):
    # a control dictionary at a large matched lambda can leave the analysed digit uncoded
    D, _, _ = coded
    numbers = analysis.digit_numbers(D, np.zeros(D.shape[1]), n_pairs=3)
    assert numbers["n_active"] == 0
    assert all(np.isnan(value) for key, value in numbers.items() if key != "n_active")
    found = analysis.digit_analysis(D, np.zeros(D.shape[1]), {"noise": np.ones(D.shape[0])},
                                    np.zeros((2, D.shape[1])),
                                    {"noise": np.ones((2, D.shape[0]))}, n_pairs=3)
    assert found.numbers["digit_null_power_noise"] == 1.0 and len(found.gains) == 0


def test_the_rip_summary_has_one_sorted_row_per_dictionary_with_its_quartiles():
    import pandas as pd

    def table(lam, seed, delta):
        delta = np.asarray(delta, dtype=float)
        return pd.DataFrame({"lam": lam, "dictionary_seed": seed, "n_active": [3, 5, 7, 9],
                             "s_min": 1 - delta / 2, "s_max": 1 + delta / 2, "delta": delta,
                             "random_delta": 0.1})

    summary = analysis.rip_summary([table(0.3, 1, [0.0, 0.2, 0.6, 1.0]),
                                    table(0.1, 0, [0.1, 0.2, 0.3, 0.4]),
                                    table(0.3, 0, [1.0, 1.0, 1.0, 1.0])])
    assert summary[["lam", "dictionary_seed"]].values.tolist() == [[0.1, 0], [0.3, 0], [0.3, 1]]
    last = summary.iloc[2]
    assert last["n_images"] == 4 and last["median_active"] == 6.0
    assert last["delta_median"] == pytest.approx(0.4)
    assert last["delta_q25"] == pytest.approx(0.15) and last["delta_q75"] == pytest.approx(0.7)
    assert summary["fraction_delta_above_half"].tolist() == [0.0, 1.0, 0.5]
    assert summary["random_delta_median"].tolist() == pytest.approx([0.1] * 3)
