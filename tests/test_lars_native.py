import hashlib

import numpy as np
import pytest
from sklearn.linear_model import lars_path

from sparsesens import lasso
from sparsesens.lasso import native
from tests.conftest import random_dictionary

needs_kernel = pytest.mark.skipif(not native.available(),
                                  reason="the LARS kernel could not be built here (no C++ "
                                         "compiler?); the encoder's batched solvers serve")


@pytest.fixture
def fresh_kernel():
    """Forget the loaded kernel before and after, so that a test may change how it loads."""
    native._library.cache_clear()
    yield
    native._library.cache_clear()


def _problem(m=40, n=90, seed=1, N=30, coherence=1.0):
    D = random_dictionary(m, n, seed, coherence=coherence)
    X = np.random.default_rng(seed + 10).standard_normal((N, m))
    return X, D


def _lasso_path_drops(x, D, lam):
    """Whether the exact LARS-lasso path of x (scikit-learn's) down to lam drops an atom."""
    m = D.shape[0]
    _, _, coefs = lars_path(D, x, alpha_min=lam / m, method="lasso")
    nonzero = coefs != 0
    return bool((nonzero[:, :-1] & ~nonzero[:, 1:]).any())


def test_the_pinned_source_hash_is_the_kernel_source():
    # the workflow's code hashes see only Python: this line is what re-runs the encoders
    # when lars.cpp changes
    assert native.SOURCE_SHA256 == hashlib.sha256(native.SOURCE.read_bytes()).hexdigest()


@needs_kernel
@pytest.mark.parametrize("lam", [0.05, 0.2, 1.0])
def test_codes_equal_the_exact_path_and_pass_eq9(lam):
    X, D = _problem()
    R, settled = native.lars(X @ D, D.T @ D, lam, max_support=40, add_margin=1e-6,
                             n_threads=2)
    assert settled.all()
    assert lasso.passes_eq9(*lasso.kkt_violation(X, D, R, lam)).all()
    m = D.shape[0]
    for x, r in zip(X, R, strict=True):
        _, _, coefs = lars_path(D, x, alpha_min=lam / m, method="lasso")
        np.testing.assert_allclose(r, coefs[:, -1], atol=1e-8)
    if lam == 0.05:  # the coherent atoms make some paths drop atoms on the way
        assert any(_lasso_path_drops(x, D, lam) for x in X)


@needs_kernel
def test_threads_share_images_without_changing_a_bit():
    X, D = _problem(N=101)
    one = native.lars(X @ D, D.T @ D, 0.1, max_support=40, add_margin=1e-6, n_threads=1)
    three = native.lars(X @ D, D.T @ D, 0.1, max_support=40, add_margin=1e-6, n_threads=3)
    np.testing.assert_array_equal(one[0], three[0])
    np.testing.assert_array_equal(one[1], three[1])


@needs_kernel
def test_a_capped_path_stops_unsettled_on_the_exact_code_of_a_larger_lam():
    X, D = _problem()
    lam, cap = 0.05, 6
    R, settled = native.lars(X @ D, D.T @ D, lam, max_support=cap, add_margin=1e-6,
                             n_threads=2)
    assert (~settled).sum() > 10 and ((R != 0).sum(axis=1) <= cap).all()
    for x, r in zip(X[~settled], R[~settled], strict=True):
        corr = D.T @ (x - D @ r)
        on = r != 0
        lam_reached = np.abs(corr[on]).mean()  # every active atom sits at +-lam_reached
        assert lam_reached > lam
        np.testing.assert_allclose(corr[on], lam_reached * np.sign(r[on]), rtol=1e-6)
        assert (np.abs(corr[~on]) <= lam_reached * (1 + 1e-6)).all()


@needs_kernel
def test_a_duplicated_atom_stays_out_beside_its_twin():
    D = random_dictionary(20, 30, 30, coherence=0.5)
    D = np.hstack([D, D[:, :1]])  # atom 30 is atom 0
    X = np.random.default_rng(31).standard_normal((10, 20)) + 3 * D[:, 0]
    R, settled = native.lars(X @ D, D.T @ D, 0.1, max_support=20, add_margin=1e-6,
                             n_threads=2)
    # one twin carries the code (the lasso has many solutions; this one certifies)
    assert settled.all() and not ((R[:, 0] != 0) & (R[:, 30] != 0)).any()
    assert lasso.passes_eq9(*lasso.kkt_violation(X, D, R, 0.1)).all()
    result = lasso.encode(X, D, 0.1, lasso.EncodeOptions(solver="lars"))
    assert result.certified.all() and result.n_fallback == 0


def _near_starts(X, D, lam, seed=5):
    """Codes whose signed supports are nearly right: the exact codes at lam with a few
    atoms dropped, a few added with a wrong small coefficient, the rest perturbed."""
    exact = lasso.encode(X, D, lam, lasso.EncodeOptions(solver="lars")).codes
    exact = exact.toarray() if hasattr(exact, "toarray") else np.asarray(exact)
    rng = np.random.default_rng(seed)
    start = exact * (1 + 0.2 * rng.standard_normal(exact.shape))
    start[rng.random(exact.shape) < 0.01] = 0.0
    start[(exact == 0) & (rng.random(exact.shape) < 0.005)] = 0.01
    return start, exact


@needs_kernel
@pytest.mark.parametrize("give_up", [None, 0.3])
def test_the_compiled_polish_settles_as_the_batched_one_does(give_up):
    import torch

    X, D = _problem(N=60, coherence=0.5)
    lam = 0.1
    C, G = X @ D, D.T @ D
    start, exact = _near_starts(X, D, lam)
    R, settled = native.polish(C, G, start, lam, max_rounds=4, max_support=60,
                               add_margin=1e-7, give_up=give_up, n_threads=2)
    batched, batched_settled = lasso.polish(torch.from_numpy(C), torch.from_numpy(G),
                                            torch.from_numpy(start), lam, 4, 1e-7,
                                            give_up=give_up)
    np.testing.assert_array_equal(settled, batched_settled.numpy())
    assert 0.5 * len(X) < settled.sum() < len(X)  # most settle, not every one
    np.testing.assert_allclose(R[settled], batched.numpy()[settled], atol=1e-10)
    np.testing.assert_allclose(R[settled], exact[settled], atol=1e-8)
    assert lasso.passes_eq9(*lasso.kkt_violation(X[settled], D, R[settled], lam)).all()
    # threads change no bit, and the input is left as it was
    again = native.polish(C, G, start, lam, max_rounds=4, max_support=60, add_margin=1e-7,
                          give_up=give_up, n_threads=1)
    np.testing.assert_array_equal(again[0], R)
    assert not np.shares_memory(R, start)


@needs_kernel
def test_the_compiled_polish_leaves_what_it_cannot_factor_or_hold():
    D = random_dictionary(20, 30, 30, coherence=0.5)
    D = np.hstack([D, D[:, :1]])  # atom 30 is atom 0: a support with both is singular
    X = np.random.default_rng(31).standard_normal((3, 20))
    start = np.zeros((3, 31))
    start[0, [0, 30, 5]] = 1.0
    start[1, :12] = 0.5
    start[2, 3] = 1.0
    R, settled = native.polish(X @ D, D.T @ D, start, 0.1, max_rounds=3, max_support=10,
                               add_margin=1e-7, give_up=None, n_threads=1)
    assert not settled[0] and not settled[1]
    np.testing.assert_array_equal(R[:2], start[:2])  # untouched
    with pytest.raises(ValueError, match="does not fit"):
        native.polish(X @ D, D.T @ D, start[:, :5], 0.1, max_rounds=3, max_support=10,
                      add_margin=1e-7, give_up=None, n_threads=1)


@needs_kernel
def test_hybrid_runs_the_kernel_on_every_cpu_batch(monkeypatch):
    calls = []
    real = native.lars

    def counting(C, *args, **kwargs):
        calls.append(len(C))
        return real(C, *args, **kwargs)

    monkeypatch.setattr(native, "lars", counting)
    X, D = _problem(N=25)
    result = lasso.encode(X, D, 0.2, lasso.EncodeOptions(chunk_size=10))
    assert calls == [10, 10, 5] and result.certified.all()


def test_a_missing_compiler_or_a_switch_leaves_the_batched_solvers(monkeypatch, tmp_path,
                                                                   fresh_kernel):
    monkeypatch.setenv("SPARSESENS_CACHE", str(tmp_path))
    monkeypatch.setenv("CXX", "false")  # a compiler that fails
    with pytest.warns(RuntimeWarning, match="the compiled LARS kernel is not available"):
        assert not native.available()
    X, D = _problem(N=12)
    assert lasso.encode(X, D, 0.2).certified.all()  # hybrid without the kernel
    with pytest.raises(ValueError, match="solver 'lars' needs the CPU and the compiled kernel"):
        lasso.encode(X, D, 0.2, lasso.EncodeOptions(solver="lars"))
    native._library.cache_clear()
    monkeypatch.delenv("CXX")
    monkeypatch.setenv("SPARSESENS_NATIVE", "0")
    assert not native.available()


def test_the_kernel_builds_into_the_cache_folder_once(monkeypatch, tmp_path, fresh_kernel):
    monkeypatch.setenv("SPARSESENS_CACHE", str(tmp_path))
    monkeypatch.delenv("CXX", raising=False)
    if not native.available():
        pytest.skip("no C++ compiler here: the encoder's batched solvers serve")
    built = list(tmp_path.glob("lars-*.so"))
    assert len(built) == 1 and not list(tmp_path.glob("*.so.*"))
    stamp = built[0].stat().st_mtime_ns
    native._library.cache_clear()
    assert native.available() and built[0].stat().st_mtime_ns == stamp  # loaded, not rebuilt
