import numpy as np
import pytest

from sparsesens import lasso, sensitivity
from tests.conftest import random_dictionary


@pytest.fixture(scope="module")
def coded():
    """A coherent synthetic dictionary, images and their certified codes."""
    D = random_dictionary(36, 60, 4, coherence=0.8)
    X = np.random.default_rng(5).standard_normal((30, 36))
    result = lasso.encode(X, D, 0.3)
    assert result.certified.all()
    return D, X, result.codes


def test_active_jacobian_matches_finite_differences(coded):
    D, X, R = coded
    dX = np.random.default_rng(6).standard_normal(X.shape)
    ratio = sensitivity.code_directional_derivative(D, R, dX)
    finite = sensitivity.finite_difference_ratio(lambda Z: lasso.encode(Z, D, 0.3).codes,
                                                 X, R, dX, eps=1e-6)
    # the code is piecewise linear: tiny steps stay on one piece
    np.testing.assert_allclose(finite, ratio, rtol=1e-5)
    # the explicit matrix of Eq. 6 gives the same directional derivative
    active, J = sensitivity.active_jacobian(D, R[0])
    assert J.shape == (len(active), 36)
    expected = np.linalg.norm(J @ dX[0]) / np.linalg.norm(dX[0])
    assert ratio[0] == pytest.approx(expected, rel=1e-10)


def test_active_jacobian_of_an_atom_and_of_a_difference_follow_eq5(coded):
    D, _, R = coded
    code = R[0]
    a, b = np.flatnonzero(code)[:2]
    moves = np.stack([D[:, a], D[:, a] - D[:, b]])
    ratio = sensitivity.code_directional_derivative(D, np.stack([code, code]), moves)
    overlap = D[:, a] @ D[:, b]
    np.testing.assert_allclose(ratio, [1.0, 1.0 / np.sqrt(1.0 - overlap)], rtol=1e-10)


def test_finite_ratio_departs_from_the_jacobian_at_large_steps(coded):
    D, X, R = coded
    dX = np.random.default_rng(7).standard_normal(X.shape)
    ratio = sensitivity.code_directional_derivative(D, R, dX)
    big = sensitivity.finite_difference_ratio(lambda Z: lasso.encode(Z, D, 0.3).codes,
                                              X, R, dX, eps=30.0)
    assert not np.allclose(big, ratio, rtol=1e-3)  # supports change: not linear any more
    with pytest.raises(ValueError, match="eps"):
        sensitivity.finite_difference_ratio(lambda Z: Z, X, R, dX, eps=0.0)


def test_mlp_jacobian_matches_autograd():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(8)
    W1, b1 = rng.standard_normal((50, 20)), rng.standard_normal(50)
    X, dX = rng.standard_normal((12, 20)), rng.standard_normal((12, 20))
    ratio = sensitivity.mlp_directional_derivative(W1, b1, X, dX)
    W1_t, b1_t = torch.as_tensor(W1), torch.as_tensor(b1)
    for x, dx, r in zip(X, dX, ratio, strict=True):
        _, jvp = torch.autograd.functional.jvp(lambda v: torch.relu(W1_t @ v + b1_t),
                                               torch.as_tensor(x), torch.as_tensor(dx))
        assert r == pytest.approx(float(jvp.norm() / np.linalg.norm(dx)), rel=1e-12)


def test_elastic_displacements_have_the_configured_statistics():
    X = np.random.default_rng(9).random((20, 784))
    drawn = sensitivity.draw_perturbations(X, 400, seed=3, grid=5, sigma=0.25)
    assert drawn.displacement.shape == (400, 2, 5, 5)
    assert drawn.displacement.std() == pytest.approx(0.25, rel=0.03)
    assert abs(drawn.displacement.mean()) < 0.01
    assert (drawn.partner_index != drawn.image_index).all()
    np.testing.assert_allclose(drawn.dx["swap"], X[drawn.partner_index] - X[drawn.image_index])
    # small warps: a distortion changes an image far less than a swap does
    assert (np.linalg.norm(drawn.dx["distortion"], axis=1).mean()
            < 0.5 * np.linalg.norm(drawn.dx["swap"], axis=1).mean())


def test_elastic_warp_moves_pixels_the_way_the_grid_says():
    image = np.zeros((28, 28))
    image[10:18, 12:16] = np.arange(32).reshape(8, 4) + 1
    down = np.zeros((2, 5, 5))
    down[0] = 1.0  # one pixel along the first axis everywhere
    warped = sensitivity.elastic_warp(image.ravel(), down).reshape(28, 28)
    np.testing.assert_allclose(warped, np.roll(image, -1, axis=0), atol=1e-10)
    np.testing.assert_allclose(sensitivity.elastic_warp(image.ravel(), 0 * down),
                               image.ravel(), atol=1e-10)


def test_same_seed_same_samples_and_table():
    X = np.random.default_rng(10).random((50, 784))
    first = sensitivity.draw_perturbations(X, 30, seed=11)
    again = sensitivity.draw_perturbations(X, 30, seed=11)
    other = sensitivity.draw_perturbations(X, 30, seed=12)
    for kind in sensitivity.PERTURBATIONS:
        np.testing.assert_array_equal(first.dx[kind], again.dx[kind])
        assert not np.array_equal(first.dx[kind], other.dx[kind])
    D = random_dictionary(784, 100, 13)
    R = lasso.encode(X[first.image_index], D, 0.5).codes
    tables = [sensitivity.ratio_table(first.image_index, {
        kind: sensitivity.code_directional_derivative(D, R, drawn.dx[kind])
        for kind in sensitivity.PERTURBATIONS}) for drawn in (first, again)]
    assert tables[0].equals(tables[1])
    assert list(tables[0].columns) == ["sample", "image_index", "perturbation", "ratio"]
    assert len(tables[0]) == 90


def test_draw_refuses_bad_input():
    with pytest.raises(ValueError, match="two images"):
        sensitivity.draw_perturbations(np.zeros((1, 784)), 5, seed=0)
    with pytest.raises(ValueError, match="n_samples"):
        sensitivity.draw_perturbations(np.zeros((3, 784)), 0, seed=0)


def test_summarise_counts_non_finite_ratios():
    stats = sensitivity.summarise(np.array([1.0, 2.0, 3.0, np.nan]))
    assert stats["n"] == 3 and stats["n_nonfinite"] == 1 and stats["median"] == 2.0
    assert stats["q25"] == 1.5 and stats["q75"] == 2.5


def test_exact_encoder_gives_certified_codes_and_remembers_which():
    D = random_dictionary(36, 60, 4, coherence=0.8)
    X = np.random.default_rng(3).standard_normal((8, 36))
    exact = sensitivity.ExactEncoder(D, 0.2, lasso.EncodeOptions())
    codes = exact(X)
    direct = lasso.encode(X, D, 0.2)
    np.testing.assert_allclose(codes, direct.codes, atol=1e-10)
    assert exact.certified.shape == (8,) and exact.certified.all()
    # unreachable tolerances: the same codes, now marked as failing Eq. 9
    strict = sensitivity.ExactEncoder(D, 0.2, lasso.EncodeOptions(tol_inactive=-1.0))
    strict(X)
    assert not strict.certified.any()


def test_paired_comparison_reads_the_order_sample_by_sample():
    rng = np.random.default_rng(0)
    second = rng.uniform(0.5, 2.0, 500)
    # above in every pair, though the two distributions overlap widely
    above = sensitivity.paired_comparison(second * 1.1, second)
    assert above["n"] == 500 and above["frac_above"] == 1.0
    assert above["rank_biserial"] == 1.0 and above["p_value"] < 1e-50
    assert np.isclose(above["median_ratio"], 1.1)
    # the same pairs the other way round: the effect changes sign, the p-value stays
    below = sensitivity.paired_comparison(second, second * 1.1)
    assert below["rank_biserial"] == -1.0 and np.isclose(below["p_value"], above["p_value"])
    # no order: a random shuffle of one side
    mixed = sensitivity.paired_comparison(rng.permutation(second), second)
    assert abs(mixed["rank_biserial"]) < 0.15 and mixed["p_value"] > 0.01
    # the median ratio's interval: a point where every ratio is 1.1, a range that holds
    # the median where they spread
    assert np.isclose(above["median_ratio_low"], 1.1) and np.isclose(above["median_ratio_high"],
                                                                     1.1)
    assert mixed["median_ratio_low"] < mixed["median_ratio"] < mixed["median_ratio_high"]
    # unusable pairs are left out and not counted
    first = second * 1.1
    first[:3] = [np.nan, np.inf, 0.0]
    assert sensitivity.paired_comparison(first, second)["n"] == 497
    with pytest.raises(ValueError, match="two \\(S,\\) arrays"):
        sensitivity.paired_comparison(second, second[:10])


def test_mean_active_atoms_counts_the_exact_codes_atoms():
    D = random_dictionary(20, 30, 3)
    X = np.random.default_rng(4).standard_normal((15, 20))
    codes = lasso.encode(X, D, 0.3).codes
    mean = sensitivity.mean_active_atoms(D, X, 0.3, lasso.EncodeOptions())
    assert mean == pytest.approx((codes != 0).sum(axis=1).mean())
    assert sensitivity.mean_active_atoms(D, X, 30.0, lasso.EncodeOptions()) < mean


def test_the_median_interval_covers_the_median_as_often_as_it_says():
    # 2,000 samples of 101 exponentials: the population median is log 2
    rng = np.random.default_rng(4)
    covered = [low <= np.log(2) <= high for low, high in
               (sensitivity.median_interval(rng.exponential(size=101)) for _ in range(2000))]
    assert 0.94 <= np.mean(covered) <= 0.98
    low, high = sensitivity.median_interval(np.arange(1000.0))
    assert low < 499.5 < high and high - low < 80
    assert np.isnan(sensitivity.median_interval(np.array([]))[0])
