import numpy as np
import pytest

from sparsesens import dictionary


def _images(n=200, m=64, seed=0):
    rng = np.random.default_rng(seed)
    atoms = rng.standard_normal((m, 12))
    codes = rng.standard_normal((n, 12)) * (rng.random((n, 12)) < 0.25)
    return (codes @ atoms.T).astype(np.float32)


def test_learning_lowers_the_loss_and_keeps_unit_atoms():
    X = _images()
    result = dictionary.learn_dictionary(X, 0.1, n_atoms=24, max_iter=300, rel_tol=0,
                                         lr_codes=1e-2, lr_dictionary=1e-3)
    assert result.D.shape == (64, 24) and result.D.dtype == np.float64
    np.testing.assert_allclose(np.linalg.norm(result.D, axis=0), 1.0, atol=1e-12)
    assert result.loss[-1] < 0.2 * result.loss[0]
    # accepted steps only: the recorded loss never rises
    assert (np.diff(result.loss) <= 1e-6 * result.loss[:-1]).all()
    assert result.iterations == 300 and not result.converged


def test_same_seed_same_dictionary():
    X = _images()
    a = dictionary.learn_dictionary(X, 0.1, n_atoms=16, max_iter=20, seed=3)
    b = dictionary.learn_dictionary(X, 0.1, n_atoms=16, max_iter=20, seed=3)
    c = dictionary.learn_dictionary(X, 0.1, n_atoms=16, max_iter=20, seed=4)
    np.testing.assert_array_equal(a.D, b.D)
    assert not np.allclose(a.D, c.D)


def test_learning_rate_rule():
    rate = dictionary.LearningRate(1.0, increase=1.1, decrease=0.5)
    assert rate.update(True) and rate.value == pytest.approx(1.1)
    assert not rate.update(False) and rate.value == pytest.approx(0.55)
    assert (rate.accepted, rate.rejected) == (1, 1)


def test_a_huge_code_step_is_rejected_and_its_rate_halved():
    X = _images()
    result = dictionary.learn_dictionary(X, 0.1, n_atoms=16, max_iter=1, lr_codes=1e6,
                                         rel_tol=0)
    assert result.lr_codes.rejected == 1 and result.lr_codes.value == pytest.approx(5e5)


def test_stopping_rule():
    assert dictionary.has_converged([10.0, 9.0, 8.99999], rel_tol=1e-3, window=1)
    assert not dictionary.has_converged([10.0, 9.0, 8.0], rel_tol=1e-3, window=1)
    assert not dictionary.has_converged([10.0], rel_tol=1e-3, window=5)
    assert not dictionary.has_converged([1.0, 1.0, 1.0], rel_tol=0, window=1)


def test_max_coherence():
    D = np.array([[1.0, 0.6, 0.0], [0.0, 0.8, 1.0]])
    assert dictionary.max_coherence(D) == pytest.approx(0.8)


def test_bad_arguments():
    with pytest.raises(ValueError, match="unknown dtype"):
        dictionary.learn_dictionary(_images(), 0.1, dtype="float16")
    with pytest.raises(ValueError, match="lam must be > 0"):
        dictionary.learn_dictionary(_images(), -0.1)
