import copy
import dataclasses
from dataclasses import replace

import numpy as np
import pytest
import torch
import yaml

from sparsesens import lasso
from sparsesens.dictionary import initial_dictionary, online
from sparsesens.dictionary.online import epoch_tolerance, learn_dictionary_online, relative_change
from sparsesens.dictionary.options import OnlineOptions
from tests.conftest import REPO


def _images(n=300, m=64, seed=0):
    """Sparse combinations of 12 planted atoms, plus a constant offset that every image
    shares (as MNIST's mean does)."""
    rng = np.random.default_rng(seed)
    atoms = rng.standard_normal((m, 12))
    codes = rng.standard_normal((n, 12)) * (rng.random((n, 12)) < 0.25)
    return (codes @ atoms.T + 0.5).astype(np.float32)


def _certified(X, D, lam):
    result = lasso.encode(X, D, lam)
    assert result.n_failed == 0
    return float(lasso.lasso_objective(X, D, result.codes, lam).mean())


def test_learning_lowers_the_objective_monotonically_and_keeps_unit_atoms():
    X = _images()
    result = learn_dictionary_online(X, 0.1, OnlineOptions(batch_size=64, max_epochs=30, rel_tol=0),
                                     n_atoms=24)
    assert result.D.shape == (64, 24) and result.D.dtype == np.float64
    np.testing.assert_allclose(np.linalg.norm(result.D, axis=0), 1.0, atol=1e-12)
    assert result.epochs == 30 and not result.converged
    assert len(result.objective) == len(result.seconds) == 30
    assert (np.diff(result.seconds) > 0).all()
    # code visits keep the better code, atom steps are exact, extrapolations are kept only
    # when they lower F: F with the stored codes never rises (float32 rounding aside)
    assert (np.diff(result.objective) <= 1e-5 * result.objective[1:]).all()
    assert result.objective[-1] < 0.5 * result.objective[0]


def test_the_recorded_objective_bounds_the_certified_one_from_above():
    X = _images()
    result = learn_dictionary_online(X, 0.1, OnlineOptions(batch_size=64, max_epochs=40, rel_tol=0),
                                     n_atoms=24)
    certified = _certified(X, result.D, 0.1)
    assert certified <= result.objective[-1] * (1 + 1e-5)
    # and the codes it keeps are close to exact by the end
    assert result.objective[-1] < 1.05 * certified


def test_it_reaches_a_lower_objective_than_its_starting_dictionary():
    X = _images()
    D0 = initial_dictionary(64, 24, torch.Generator().manual_seed(0)).numpy()
    result = learn_dictionary_online(X, 0.1, OnlineOptions(batch_size=64, max_epochs=20, rel_tol=0),
                                     n_atoms=24)
    assert _certified(X, result.D, 0.1) < 0.5 * _certified(X, D0, 0.1)


def test_same_seed_same_dictionary_and_other_seed_another():
    X = _images()
    a = learn_dictionary_online(X, 0.1, OnlineOptions(batch_size=50, max_epochs=4), n_atoms=16,
                                seed=3)
    b = learn_dictionary_online(X, 0.1, OnlineOptions(batch_size=50, max_epochs=4), n_atoms=16,
                                seed=3)
    c = learn_dictionary_online(X, 0.1, OnlineOptions(batch_size=50, max_epochs=4), n_atoms=16,
                                seed=4)
    np.testing.assert_array_equal(a.D, b.D)
    np.testing.assert_array_equal(a.objective, b.objective)
    assert not np.allclose(a.D, c.D)


def test_both_learners_start_from_the_same_dictionary(monkeypatch):
    from sparsesens.dictionary import paper

    starts = []

    def recording(*args):
        D = initial_dictionary(*args)
        starts.append(D.clone())
        return D

    monkeypatch.setattr(paper, "initial_dictionary", recording)
    monkeypatch.setattr(online, "initial_dictionary", recording)
    X = _images()
    paper.learn_dictionary(X, 0.1, n_atoms=16, max_iter=1, seed=5)
    seen = []
    learn_dictionary_online(X, 0.1, OnlineOptions(batch_size=50, max_epochs=1), n_atoms=16, seed=5,
                            callback=lambda epoch, seconds, D: seen.append(epoch))
    assert len(starts) == 2 and seen == [1]
    torch.testing.assert_close(starts[0], starts[1], rtol=0, atol=0)


def test_unused_atoms_are_resampled_from_the_data_and_reported():
    X = _images()
    events = []
    # a lambda so large that no code uses any atom: every atom is resampled, from the
    # residuals of images, which are then the images themselves
    result = learn_dictionary_online(X, 1e3, OnlineOptions(batch_size=100, max_epochs=2, rel_tol=0),
                                     n_atoms=8, on_resample=lambda e, n: events.append((e, n)))
    assert events == [(1, 8), (2, 8)] and result.n_resampled == 16 and result.n_unused == 8
    np.testing.assert_allclose(np.linalg.norm(result.D, axis=0), 1.0, atol=1e-12)
    images = X / np.linalg.norm(X, axis=1, keepdims=True)
    assert (np.abs(images @ result.D).max(axis=0) > 1 - 1e-5).all()


def test_stopping_rule_measures_the_fall_per_sweep_and_time_budget():
    X = _images()  # 300 images in minibatches of 64: five sweeps per epoch
    rel_tol = 0.004
    stopped = learn_dictionary_online(X, 0.1,
                                      OnlineOptions(batch_size=64, max_epochs=200, rel_tol=rel_tol),
                                      n_atoms=16)
    assert stopped.converged and 2 < stopped.epochs < 200
    falls = -np.diff(stopped.objective) / stopped.objective[1:]
    assert falls[-1] <= 5 * rel_tol  # the epoch that stopped it
    assert (falls[:-1] > 5 * rel_tol).all()  # and none before
    budget = learn_dictionary_online(
        X, 0.1, OnlineOptions(batch_size=64, max_epochs=200, rel_tol=0, max_seconds=0.0),
        n_atoms=16)
    assert budget.epochs == 1 and not budget.converged
    # what the job's log reports per epoch: the same change and the same rule
    assert epoch_tolerance(300, 64, rel_tol) == 5 * rel_tol
    changes = [relative_change(stopped.objective[:n]) for n in range(1, stopped.epochs + 1)]
    assert np.isnan(changes[0]) and changes[-1] <= epoch_tolerance(300, 64, rel_tol)
    assert all(change > 5 * rel_tol for change in changes[1:-1])
    assert relative_change([2.0, 0.0]) == float("inf") and relative_change([0.0, 0.0]) == 0.0


@pytest.mark.parametrize("change, message", [
    ({"batch_size": 0}, "batch_size must be >= 1"),
    ({"code_steps": 0}, "code_steps must be >= 1"),
    ({"max_epochs": 0}, "max_epochs must be >= 1"),
    ({"rel_tol": -1.0}, "rel_tol must be >= 0"),
    ({"polish_rounds": -1}, "polish_rounds must be >= 0"),
    ({"lars_max_support": -1}, "lars_max_support must be >= 0"),
    ({"max_seconds": -1.0}, "max_seconds must be >= 0"),
])
def test_bad_options_are_refused_when_made(change, message):
    with pytest.raises(ValueError, match=message):
        OnlineOptions(**change)


def test_an_unknown_setting_is_refused_by_name():
    with pytest.raises(ValueError, match=r"unknown online learner settings \['batch'\]"):
        OnlineOptions.from_mapping({"batch": 10})
    assert OnlineOptions.from_mapping({"batch_size": 10}) == OnlineOptions(batch_size=10)


@pytest.mark.parametrize("change, message", [
    ({"lam": 0.0}, "lam must be > 0"),
    ({"n_atoms": 0}, "n_atoms must be >= 1"),
])
def test_bad_arguments_are_refused_before_any_work(change, message):
    kwargs = {"lam": 0.1} | change
    with pytest.raises(ValueError, match=message):
        learn_dictionary_online(_images(), **kwargs)


def test_the_configuration_states_the_learners_defaults():
    online = yaml.safe_load((REPO / "config.yaml").read_text())["dictionary"]["online"]
    stated = {key: value for key, value in online.items()
              if key not in ("continuation", "checkpoint_minutes")}
    defaults = dataclasses.asdict(OnlineOptions())
    assert stated and all(defaults[key] == value for key, value in stated.items())


def test_without_paths_the_compiled_lars_kernel_is_not_called(monkeypatch):
    calls = []
    real = online.native.lars

    def counting(*args, **kwargs):
        calls.append(len(args[0]))
        return real(*args, **kwargs)

    if not online.native.available():
        pytest.skip("the compiled kernel is not built on this machine (no C++ compiler)")
    monkeypatch.setattr(online.native, "lars", counting)
    options = OnlineOptions(batch_size=64, max_epochs=2, rel_tol=0)
    with_paths = learn_dictionary_online(_images(), 0.1, options, n_atoms=16)
    assert calls
    calls.clear()
    without = learn_dictionary_online(_images(), 0.1, replace(options, lars_max_support=0),
                                      n_atoms=16)
    assert not calls and without.objective[-1] == pytest.approx(with_paths.objective[-1],
                                                                rel=0.05)


def test_a_run_can_start_from_a_given_dictionary():
    X = _images()
    first = learn_dictionary_online(X, 0.3, OnlineOptions(batch_size=64, max_epochs=15, rel_tol=0),
                                    n_atoms=16)
    # continuation: from the dictionary of a larger lambda, a smaller one starts far lower
    # than from the seeded draw, and the given atoms are normalised first
    warm = learn_dictionary_online(X, 0.1, OnlineOptions(batch_size=64, max_epochs=1, rel_tol=0),
                                   n_atoms=16, initial=3.0 * first.D)
    cold = learn_dictionary_online(X, 0.1, OnlineOptions(batch_size=64, max_epochs=1, rel_tol=0),
                                   n_atoms=16)
    assert warm.objective[0] < 0.8 * cold.objective[0]
    same = learn_dictionary_online(X, 0.1, OnlineOptions(batch_size=64, max_epochs=1, rel_tol=0),
                                   n_atoms=16, initial=first.D)
    np.testing.assert_allclose(same.D, warm.D, atol=1e-6)


@pytest.mark.parametrize("initial, message", [
    (np.ones((64, 15)), r"initial must have shape \(64, 16\)"),
    (np.zeros((64, 16)), "no zero atom"),
    (np.full((64, 16), np.nan), "finite"),
])
def test_a_bad_starting_dictionary_is_refused(initial, message):
    with pytest.raises(ValueError, match=message):
        learn_dictionary_online(_images(), 0.1, n_atoms=16, initial=initial)


def test_bad_images_are_refused():
    with pytest.raises(ValueError, match="non-empty"):
        learn_dictionary_online(np.zeros((0, 4)), 0.1)


def _kept_states(states):
    """An ``on_state`` that keeps copies (the state's arrays are the learner's own)."""
    return lambda state: states.append(copy.deepcopy(state))


def test_a_run_resumed_from_a_kept_state_ends_bit_for_bit_where_the_whole_run_does():
    X = _images()
    options = OnlineOptions(batch_size=64, max_epochs=6, rel_tol=0)
    settings = {"n_atoms": 16, "orthogonality": 1e-3}
    states = []
    whole = learn_dictionary_online(X, 0.1, options, on_state=_kept_states(states),
                                    **settings)
    # one state after every epoch that another follows
    assert [state.epoch for state in states] == [1, 2, 3, 4, 5]
    assert whole.extrapolations > 0  # so the resumed run must carry the extrapolation on
    resumed = learn_dictionary_online(X, 0.1, options, resume=states[2], seed=99,
                                      **settings)
    np.testing.assert_array_equal(resumed.D, whole.D)
    np.testing.assert_array_equal(resumed.objective, whole.objective)
    np.testing.assert_array_equal(resumed.seconds[:3], whole.seconds[:3])
    assert (resumed.epochs, resumed.extrapolations, resumed.n_resampled) == (
        whole.epochs, whole.extrapolations, whole.n_resampled)


def test_a_state_of_other_images_or_atoms_is_refused():
    states = []
    learn_dictionary_online(_images(), 0.1, OnlineOptions(batch_size=64, max_epochs=2), n_atoms=16,
                            on_state=_kept_states(states))
    with pytest.raises(ValueError, match=r"R has shape \(300, 16\).*need \(200, 16\)"):
        learn_dictionary_online(_images(n=200), 0.1, n_atoms=16, resume=states[0])
    with pytest.raises(ValueError, match=r"D has shape \(64, 16\).*need \(64, 8\)"):
        learn_dictionary_online(_images(), 0.1, n_atoms=8, resume=states[0])


def test_a_rise_in_the_objective_does_not_stop_the_learner(monkeypatch):
    # a resampled atom can raise F by far more than the tolerance; the learner must go on
    # learning rather than take the rise for convergence. Scrambling the dictionary at the
    # start of epoch 3 raises F the same way.
    X = _images()  # 300 images in minibatches of 64: five sweeps per epoch
    step, calls = online._minibatch_step, []

    def scrambled_once(X_t, R, rows, D, *args):
        calls.append(1)
        if len(calls) == 11:
            D = torch.nn.functional.normalize(torch.randn_like(D), dim=0)
        return step(X_t, R, rows, D, *args)

    monkeypatch.setattr(online, "_minibatch_step", scrambled_once)
    result = learn_dictionary_online(X, 0.1,
                                     OnlineOptions(batch_size=64, max_epochs=200, rel_tol=0.004),
                                     n_atoms=16)
    rises = np.flatnonzero(np.diff(result.objective) > 0) + 1
    assert list(rises) == [2]  # epoch 3 (index 2) rose, as scrambled
    assert result.converged and result.epochs > 3
    assert abs(result.objective[-2] - result.objective[-1]) <= 5 * 0.004 * result.objective[-1]
