import numpy as np
import pytest
import torch
from sklearn.linear_model import Lasso

from sparsesens import lasso
from tests.conftest import random_dictionary


def test_orthogonal_dictionary_gives_soft_thresholding():
    rng = np.random.default_rng(0)
    D = np.linalg.qr(rng.standard_normal((30, 30)))[0]
    X = rng.standard_normal((40, 30))
    result = lasso.encode(X, D, 0.5)
    expected = lasso.soft_threshold(torch.as_tensor(X @ D), 0.5).numpy()
    np.testing.assert_allclose(result.codes, expected, atol=1e-12)
    assert result.certified.all()


@pytest.mark.parametrize("seed, lam", [(1, 0.05), (2, 0.2), (3, 1.0)])
def test_agrees_with_sklearn_coordinate_descent_on_coherent_dictionaries(seed, lam):
    D = random_dictionary(40, 90, seed, coherence=1.0)
    assert np.abs(np.triu(D.T @ D, 1)).max() > 0.7  # coherent atoms, a hard problem
    X = np.random.default_rng(seed + 10).standard_normal((25, 40))
    result = lasso.encode(X, D, lam, fista_iter=10, batch_size=8)
    assert result.n_fallback == 0
    assert result.certified.all()
    for x, r in zip(X, result.codes, strict=True):
        ref = Lasso(alpha=lam / 40, fit_intercept=False, tol=1e-14, max_iter=200_000).fit(D, x)
        np.testing.assert_allclose(r, ref.coef_, atol=1e-6)


def test_kkt_violation_flags_a_perturbed_solution():
    D = random_dictionary(30, 50, 4, coherence=0.5)
    X = np.random.default_rng(5).standard_normal((6, 30))
    result = lasso.encode(X, D, 0.3)
    inactive, active = lasso.kkt_violation(X, D, result.codes, 0.3)
    assert (inactive < 1e-5).all() and (active < 1e-4).all()
    bad = result.codes.copy()
    bad[0, np.flatnonzero(bad[0])[0]] *= 1.01          # active set off the closed form
    bad[1, np.flatnonzero(bad[1] == 0)[:3]] = 0.0      # unchanged row stays fine
    bad[2] = 0.0                                        # empty code: inactive atoms violate
    inactive, active = lasso.kkt_violation(X, D, bad, 0.3)
    assert active[0] > 1e-4 and inactive[1] < 1e-5 and inactive[2] > 1e-5


def test_solve_on_support_matches_dense_solves():
    D = random_dictionary(20, 35, 6, coherence=0.3)
    G = torch.as_tensor(D.T @ D)
    rng = np.random.default_rng(7)
    active = torch.as_tensor(rng.random((9, 35)) < 0.3)
    active[4] = False  # an empty support
    rhs = torch.as_tensor(rng.standard_normal((9, 35)))
    Z, ok = lasso.solve_on_support(G, rhs, active)
    assert ok.all()
    for b in range(9):
        S = active[b].numpy()
        expected = np.zeros(35)
        if S.any():
            expected[S] = np.linalg.solve(D[:, S].T @ D[:, S], rhs[b].numpy()[S])
        np.testing.assert_allclose(Z[b].numpy(), expected, atol=1e-10)


def test_failing_images_are_kept_and_reported():
    D = random_dictionary(20, 30, 8)
    X = np.random.default_rng(9).standard_normal((5, 20))
    # a tolerance no code can meet: every image must be reported, none dropped
    result = lasso.encode(X, D, 0.2, tol_inactive=-1.0)
    assert result.codes.shape == (5, 30)
    assert result.n_failed == 5 and not result.certified.any()


def test_fallback_rescues_images_the_polish_leaves():
    D = random_dictionary(30, 60, 10, coherence=1.5)
    X = np.random.default_rng(11).standard_normal((12, 30))
    result = lasso.encode(X, D, 0.05, fista_iter=1, max_fista_iter=1, polish_rounds=1)
    assert result.n_fallback > 0 and result.certified.all()


def test_bad_input_is_refused():
    with pytest.raises(ValueError, match="do not fit"):
        lasso.encode(np.zeros((3, 10)), np.eye(12), 0.1)
    with pytest.raises(ValueError, match="lam must be > 0"):
        lasso.encode(np.zeros((3, 10)), np.eye(10), 0.0)
