import numpy as np
import pytest
import torch
from sklearn.linear_model import Lasso

from sparsesens import lasso
from sparsesens.lasso import chain as chain_module
from sparsesens.lasso import native
from sparsesens.lasso.active_set import active_set
from sparsesens.lasso.chain import FistaStages, Link, chain_for, run_chain
from sparsesens.lasso.problem import Problem
from tests.conftest import random_dictionary


def test_orthogonal_dictionary_gives_soft_thresholding():
    rng = np.random.default_rng(0)
    D = np.linalg.qr(rng.standard_normal((30, 30)))[0]
    X = rng.standard_normal((40, 30))
    result = lasso.encode(X, D, 0.5)
    expected = lasso.soft_threshold(torch.as_tensor(X @ D), 0.5).numpy()
    np.testing.assert_allclose(result.codes, expected, atol=1e-12)
    assert result.certified.all()


@pytest.mark.parametrize("solver", lasso.SOLVERS)
@pytest.mark.parametrize("seed, lam", [(1, 0.05), (2, 0.2), (3, 1.0)])
def test_agrees_with_sklearn_coordinate_descent_on_coherent_dictionaries(seed, lam, solver):
    if solver == "lars" and not native.available():
        pytest.skip("the compiled LARS kernel could not be built here (no C++ compiler?)")
    D = random_dictionary(40, 90, seed, coherence=1.0)
    assert np.abs(np.triu(D.T @ D, 1)).max() > 0.7  # coherent atoms, a hard problem
    X = np.random.default_rng(seed + 10).standard_normal((25, 40))
    options = lasso.EncodeOptions(solver=solver, fista_iter=10, chunk_size=8)
    result = lasso.encode(X, D, lam, options)
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
    bad[2] = 0.0                                        # empty code: inactive atoms violate
    # row 1 is left as solved: it must still pass
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
    result = lasso.encode(X, D, 0.2, lasso.EncodeOptions(tol_inactive=-1.0))
    assert result.codes.shape == (5, 30)
    assert result.n_failed == 5 and not result.certified.any()


def test_fallback_rescues_images_the_polish_leaves():
    D = random_dictionary(30, 60, 10, coherence=1.5)
    X = np.random.default_rng(11).standard_normal((12, 30))
    options = lasso.EncodeOptions(solver="fista", fista_iter=1, max_fista_iter=1,
                                  polish_rounds=1)
    result = lasso.encode(X, D, 0.05, options)
    assert result.n_fallback > 0 and result.certified.all()


@pytest.mark.parametrize("lam", [0.02, 0.3, 2.0])
def test_homotopy_reaches_the_exact_code_in_float64(lam):
    D = random_dictionary(30, 70, 12, coherence=1.0)
    X = np.random.default_rng(13).standard_normal((20, 30))
    C, G = torch.as_tensor(X @ D), torch.as_tensor(D.T @ D)
    R, done = lasso.homotopy(C, G, lam, max_events=1000)
    assert done.all()
    inactive, active = lasso.kkt_violation(X, D, R.numpy(), lam)
    # the path alone, with no polish: rounding-level agreement with the closed form
    assert (inactive < 1e-9).all() and (active < 1e-10).all()
    # events: at least one per atom of the final support
    few, done_few = lasso.homotopy(C, G, lam, max_events=2)
    support = (R != 0).sum(dim=1)
    assert not done_few[support > 2].any()


def test_homotopy_gives_up_cleanly_and_the_fista_stages_take_over():
    D = random_dictionary(30, 70, 14, coherence=1.0)
    X = np.random.default_rng(15).standard_normal((10, 30))
    result = lasso.encode(X, D, 0.1, lasso.EncodeOptions(solver="homotopy", max_events=3))
    assert result.certified.all() and result.n_fallback == 0


def test_homotopy_handles_more_atoms_than_pixels_at_small_lambda():
    # 12 pixels, 40 atoms: near lam = 0 the path reaches supports of full rank, where
    # any further atom is linearly dependent on the active ones
    D = random_dictionary(12, 40, 16, coherence=0.5)
    X = np.random.default_rng(17).standard_normal((15, 12))
    result = lasso.encode(X, D, 1e-3, lasso.EncodeOptions(solver="homotopy"))
    assert result.certified.all()


def test_bad_input_is_refused():
    with pytest.raises(ValueError, match="do not fit"):
        lasso.encode(np.zeros((3, 10)), np.eye(12), 0.1)
    with pytest.raises(ValueError, match="lam must be > 0"):
        lasso.encode(np.zeros((3, 10)), np.eye(10), 0.0)
    with pytest.raises(ValueError, match="unknown solver 'simplex'; allowed: hybrid"):
        lasso.encode(np.zeros((3, 10)), np.eye(10), 0.1, lasso.EncodeOptions(solver="simplex"))


def test_homotopy_with_a_linearly_dependent_atom_returns_only_true_solutions():
    # a duplicated atom: whether the second copy tries to enter (with a singular active
    # Gram matrix) depends on rounding, so rows may end either way; what must hold is that
    # a row reported done is a lasso solution (one copy active, Eq. 9 met) and that the
    # others are handed on rather than returned as solved
    D = random_dictionary(20, 30, 18, coherence=0.5)
    D = np.hstack([D, D[:, :1]])
    X = np.random.default_rng(19).standard_normal((10, 20)) + 3 * D[:, 0]
    R, done = lasso.homotopy(torch.as_tensor(X @ D), torch.as_tensor(D.T @ D), 0.1, 5000)
    done = done.numpy()
    inactive, active = lasso.kkt_violation(X, D, R.numpy(), 0.1)
    assert lasso.passes_eq9(inactive[done], active[done]).all()
    assert not (R.numpy()[done][:, [0, 30]] != 0).all(axis=1).any()  # never both copies
    result = lasso.encode(X, D, 0.1, lasso.EncodeOptions(solver="homotopy"))
    # whatever the fallback could not certify is kept, and marked as the check finds it
    assert result.codes.shape == (10, 31)
    recheck = lasso.passes_eq9(*lasso.kkt_violation(X, D, result.codes, 0.1))
    np.testing.assert_array_equal(recheck, result.certified)


def test_homotopy_from_a_guess_is_exact_and_shorter():
    D = random_dictionary(30, 70, 20, coherence=1.0)
    X = np.random.default_rng(21).standard_normal((12, 30))
    lam = 0.2
    C, G = torch.as_tensor(X @ D), torch.as_tensor(D.T @ D)
    exact, _ = lasso.homotopy(C, G, lam, max_events=1000)
    support = (exact != 0).sum(dim=1)
    assert support.max() < 30 and support.min() >= 20   # room for one atom more
    # a guess with the right support but wrong values, and one atom too many
    guess = exact * 1.3
    guess[:, 0] = torch.where(guess[:, 0] == 0, 0.01, guess[:, 0])
    R, done = lasso.homotopy(C, G, lam, max_events=1000, R0=guess)
    assert done.all()
    np.testing.assert_allclose(R.numpy(), exact.numpy(), atol=1e-10)
    # from the guess a few events suffice where the path from zero needs one per atom
    _, done_guess = lasso.homotopy(C, G, lam, max_events=3, R0=guess)
    _, done_zero = lasso.homotopy(C, G, lam, max_events=3)
    assert done_guess.all() and not done_zero.any()


def test_homotopy_starts_from_zero_when_the_guess_is_rank_deficient():
    D = random_dictionary(10, 40, 22, coherence=0.5)
    X = np.random.default_rng(23).standard_normal((5, 10))
    C, G = torch.as_tensor(X @ D), torch.as_tensor(D.T @ D)
    guess = torch.full_like(C, 0.1)              # 40 atoms in 10 dimensions: singular
    R, done = lasso.homotopy(C, G, 0.2, max_events=1000, R0=guess)
    assert done.all()
    inactive, active = lasso.kkt_violation(X, D, R.numpy(), 0.2)
    assert (inactive < 1e-9).all() and (active < 1e-10).all()


def test_majorizer_bounds_the_gram_matrix_and_splits_off_its_top_eigenvalue():
    D = random_dictionary(40, 90, 24, coherence=2.0)   # a shared direction: one big eigenvalue
    G = torch.as_tensor(D.T @ D)
    a, b, v, _ = lasso.gram_majorizer(G)
    eigenvalues = torch.linalg.eigvalsh(G)
    assert b > 2 * a                                    # the outlier is split off
    H = a * torch.eye(90, dtype=G.dtype) + b * torch.outer(v, v)
    assert torch.linalg.eigvalsh(H - G).min() > -1e-9   # H - G positive semi-definite
    assert a + b == pytest.approx(float(eigenvalues[-1]), rel=1e-3)
    assert a == pytest.approx(float(eigenvalues[-2]), rel=1e-3)
    # an orthonormal dictionary has nothing to split off: plain FISTA with step 1
    Q = torch.linalg.qr(torch.as_tensor(np.random.default_rng(25).standard_normal((30, 30))))[0]
    a, b, _, _ = lasso.gram_majorizer(Q.T @ Q)
    assert a == pytest.approx(1.0, rel=1e-3) and b < 1e-3


def test_a_widened_bound_still_bounds_a_nearby_gram_matrix_and_fista_still_converges():
    from sparsesens.lasso.fista import widened

    D0 = random_dictionary(30, 60, 28, coherence=2.0)
    D = D0 + 0.05 * np.random.default_rng(29).standard_normal(D0.shape)
    D /= np.linalg.norm(D, axis=0)
    G0, G = torch.as_tensor(D0.T @ D0), torch.as_tensor(D.T @ D)
    exact_bound = lasso.gram_majorizer(G0)
    slack = float(torch.linalg.matrix_norm(G - G0))
    bound = widened(exact_bound, G, slack)
    H = bound.a * torch.eye(60, dtype=G.dtype) + bound.b * torch.outer(bound.v, bound.v)
    assert torch.linalg.eigvalsh(H - G).min() > -1e-9      # Weyl: still above G
    # without the slack the old bound is not above the new G: the widening is needed
    H0 = exact_bound.a * torch.eye(60, dtype=G.dtype) + exact_bound.b * torch.outer(
        exact_bound.v, exact_bound.v)
    assert torch.linalg.eigvalsh(H0 - G).min() < 0
    X = np.random.default_rng(30).standard_normal((10, 30))
    exact = lasso.encode(X, D, 0.2).codes
    R = lasso.fista(torch.as_tensor(X @ D), G, 0.2, 3000, majorizer=bound)
    np.testing.assert_allclose(R.numpy(), exact, atol=1e-8)


@pytest.mark.parametrize("coherence", [0.0, 2.0])
def test_fista_in_the_majorizer_metric_converges_to_the_exact_code(coherence):
    D = random_dictionary(30, 60, 26, coherence=coherence)
    X = np.random.default_rng(27).standard_normal((10, 30))
    C, G = torch.as_tensor(X @ D), torch.as_tensor(D.T @ D)
    exact = lasso.encode(X, D, 0.2).codes
    R = lasso.fista(C, G, 0.2, 3000)
    np.testing.assert_allclose(R.numpy(), exact, atol=1e-8)


def test_polish_gives_up_on_a_support_far_off_and_settles_it_when_let_run():
    D = random_dictionary(30, 60, 28, coherence=1.0)
    X = np.random.default_rng(29).standard_normal((4, 30))
    C, G = torch.as_tensor(X @ D), torch.as_tensor(D.T @ D)
    exact = torch.as_tensor(lasso.encode(X, D, 0.6).codes)
    guess = exact.clone()
    # row 0 lacks the smaller half of its atoms, which its first round adds back
    active = torch.nonzero(exact[0]).squeeze(1)
    guess[0, active[exact[0, active].abs().argsort()[:len(active) // 2]]] = 0.0
    assert len(active) > 10
    R, settled = lasso.polish(C, G, guess, 0.6, 20, 1e-6, give_up=0.3)
    assert not settled[0] and settled[1:].all()
    np.testing.assert_allclose(R[1:].numpy(), exact[1:].numpy(), atol=1e-10)
    R, settled = lasso.polish(C, G, guess, 0.6, 20, 1e-6)
    assert settled.all()
    np.testing.assert_allclose(R.numpy(), exact.numpy(), atol=1e-10)


def test_lasso_objective_is_eq1_per_image():
    X = np.array([[1.0, 2.0], [0.0, 1.0]])
    D = np.eye(2)
    R = np.array([[1.0, 0.0], [0.0, -1.0]])
    # residuals (0, 2) and (0, 2); |r|_1 = 1 each
    np.testing.assert_allclose(lasso.lasso_objective(X, D, R, 0.5), [2.5, 2.5])


def test_chunk_size_is_a_memory_knob_only():
    # codes.chunk_size leaves the rules' params: it must not change a code beyond Eq. 9
    D = random_dictionary(40, 90, 6, coherence=1.0)
    X = np.random.default_rng(16).standard_normal((50, 40))
    whole, pieces = (lasso.encode(X, D, 0.2, lasso.EncodeOptions(chunk_size=b)) for b in (50, 7))
    assert whole.certified.all() and pieces.certified.all()
    np.testing.assert_allclose(pieces.codes, whole.codes, atol=1e-6)


@pytest.mark.parametrize("atoms_per_round", [1, 4, 40])
def test_active_set_from_zero_reaches_the_exact_code_on_coherent_atoms(atoms_per_round):
    # many atoms entering at once on coherent atoms: some enter with the wrong sign and
    # must leave, others leave through the line search; every row must still settle
    D = random_dictionary(40, 90, 24, coherence=1.5)
    X = np.random.default_rng(25).standard_normal((20, 40))
    lam = 0.5
    R, settled = active_set(torch.as_tensor(X @ D), torch.as_tensor(D.T @ D), lam,
                            atoms_per_round=atoms_per_round, max_rounds=200,
                            max_support=90, add_margin=1e-6)
    assert settled.all()
    assert lasso.passes_eq9(*lasso.kkt_violation(X, D, R.numpy(), lam)).all()
    for x, r in zip(X, R.numpy(), strict=True):
        ref = Lasso(alpha=lam / 40, fit_intercept=False, tol=1e-14, max_iter=200_000).fit(D, x)
        np.testing.assert_allclose(r, ref.coef_, atol=1e-6)


def test_active_set_leaves_rows_whose_support_outgrows_it_unsettled():
    D = random_dictionary(40, 90, 26, coherence=0.5)
    X = np.random.default_rng(27).standard_normal((10, 40))
    sizes = (lasso.encode(X, D, 0.5).codes != 0).sum(axis=1)
    # room for one round beyond the median support: the smaller supports settle
    cap = int(np.median(sizes)) + 4
    R, settled = active_set(torch.as_tensor(X @ D), torch.as_tensor(D.T @ D), 0.5,
                            atoms_per_round=4, max_rounds=200, max_support=cap,
                            add_margin=1e-6)
    assert not settled[torch.as_tensor(sizes > cap)].any()
    assert settled[torch.as_tensor(sizes <= cap - 4)].float().mean() > 0.5
    assert ((R.numpy() != 0).sum(axis=1) <= cap).all()


def test_hybrid_tries_the_active_set_only_where_a_probe_finds_sparse_codes(monkeypatch):
    calls = []
    real = chain_module.active_set

    def counting(C, *args, **kwargs):
        calls.append(C.shape[0])
        return real(C, *args, **kwargs)

    monkeypatch.setattr(chain_module, "active_set", counting)
    monkeypatch.setattr(chain_module, "lars_here", lambda device: False)
    # supports of 7 to 28 atoms at lambda 1.5, above 100 at lambda 0.02
    D = random_dictionary(120, 240, 28, coherence=0.5)
    X = np.random.default_rng(29).standard_normal((300, 120))
    for lam, rows_tried in [(1.5, [64, 236]), (0.02, [64])]:
        calls.clear()
        result = lasso.encode(X, D, lam)
        assert calls == rows_tried and result.certified.all()


def test_rows_the_active_set_leaves_take_their_paths_from_where_it_stopped(monkeypatch):
    import importlib

    encode_module = importlib.import_module("sparsesens.lasso.encode")
    real = chain_module.homotopy
    guesses = []

    def recording(C, G, lam, max_events, **kwargs):
        guesses.append((kwargs["R0"] != 0).sum(dim=1))
        return real(C, G, lam, max_events, **kwargs)

    def no_majorizer(G):
        raise AssertionError("a few rows left open must not start the FISTA stages")

    monkeypatch.setattr(chain_module, "homotopy", recording)
    monkeypatch.setattr(encode_module, "gram_majorizer", no_majorizer)
    monkeypatch.setattr(chain_module, "lars_here", lambda device: False)
    # supports of 7 to 28 atoms at lambda 1.5: with room for 28, the probe settles 60 of
    # its 64 rows and 8 of the 300 rows outgrow the active set
    D = random_dictionary(120, 240, 28, coherence=0.5)
    X = np.random.default_rng(29).standard_normal((300, 120))
    result = lasso.encode(X, D, 1.5, lasso.EncodeOptions(active_max_support=28))
    assert result.certified.all() and result.n_fallback == 0
    assert len(guesses) == 1 and len(guesses[0]) == 8 and (guesses[0] > 0).all()
    reference = lasso.encode(X, D, 1.5, lasso.EncodeOptions(solver="homotopy"))
    np.testing.assert_allclose(result.codes, reference.codes, atol=1e-8)


def test_active_set_hands_a_row_with_a_duplicated_atom_on_or_solves_it():
    D = random_dictionary(20, 30, 30, coherence=0.5)
    D = np.hstack([D, D[:, :1]])
    X = np.random.default_rng(31).standard_normal((10, 20)) + 3 * D[:, 0]
    R, settled = active_set(torch.as_tensor(X @ D), torch.as_tensor(D.T @ D), 0.1,
                            atoms_per_round=4, max_rounds=100, max_support=30,
                            add_margin=1e-6)
    inactive, active = lasso.kkt_violation(X, D, R.numpy(), 0.1)
    assert lasso.passes_eq9(inactive[settled.numpy()], active[settled.numpy()]).all()
    result = lasso.encode(X, D, 0.1, lasso.EncodeOptions(solver="active_set"))
    assert result.certified.all()


def test_options_come_as_one_encode_options():
    with pytest.raises(TypeError, match="options must be an EncodeOptions, got dict"):
        lasso.encode(np.zeros((3, 10)), np.eye(10), 0.1, {"solver": "fista"})


class _ClosesAllBut:
    """A fake solver: codes full of ``value``, leaving open the rows whose first
    correlation (the row's name) is in ``left``; records the names and starts it saw."""

    def __init__(self, value, left=()):
        self.value, self.left, self.seen = value, set(left), []

    def __call__(self, problem, R0, opts):
        names = problem.C64[:, 0].tolist()
        self.seen.append((names, R0[:, 0].tolist()))
        return (torch.full_like(problem.C64, self.value),
                [i for i, name in enumerate(names) if name in self.left])


def _named_rows(n):
    C = torch.arange(n, dtype=torch.float64)[:, None].repeat(1, 3)
    return Problem(C, torch.eye(3, dtype=torch.float64), torch.eye(3), lambda: None, 0.1, 3)


def test_a_chain_runs_its_link_for_a_few_only_when_a_few_are_left():
    # two of 30 rows left: at most a tenth, so the link for a few runs, from the last codes
    first, few, last = _ClosesAllBut(1.0, {3, 7}), _ClosesAllBut(2.0, {7}), _ClosesAllBut(3.0, {7})
    chain = (Link(first), Link(few, start="last", only_few=True), Link(last))
    R, open_rows = run_chain(_named_rows(30), chain, lasso.EncodeOptions())
    assert first.seen == [(list(range(30)), [0.0] * 30)]
    assert few.seen == [([3.0, 7.0], [1.0, 1.0])]
    assert last.seen == [([7.0], [0.0])]
    assert open_rows == [7]  # keeping the last link's code, a guess for the fallback
    expected = np.ones(30)
    expected[3], expected[7] = 2.0, 3.0
    np.testing.assert_array_equal(R[:, 0].numpy(), expected)


def test_a_chain_skips_its_link_for_a_few_when_many_are_left():
    first, few, last = _ClosesAllBut(1.0, range(1, 6)), _ClosesAllBut(2.0), _ClosesAllBut(3.0)
    chain = (Link(first), Link(few, start="last", only_few=True), Link(last))
    R, open_rows = run_chain(_named_rows(20), chain, lasso.EncodeOptions())
    assert few.seen == []
    assert last.seen == [([1.0, 2.0, 3.0, 4.0, 5.0], [0.0] * 5)]
    assert open_rows == []
    np.testing.assert_array_equal(R[:, 0].numpy(), [1.0] + [3.0] * 5 + [1.0] * 14)


@pytest.mark.parametrize("solver, first", [("fista", "FistaStages"), ("homotopy", "Homotopy"),
                                           ("active_set", "ActiveSet"), ("lars", "CompiledLars")])
def test_each_solver_setting_names_its_chain(solver, first):
    chain = chain_for(solver, torch.device("cpu"))
    assert type(chain[0].solver).__name__ == first
    # every chain ends in the full FISTA stages, whose rows left open go to the fallback
    assert chain[-1].solver == FistaStages()
