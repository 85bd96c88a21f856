import numpy as np
import pytest
import torch

from sparsesens import evaluation
from sparsesens.baselines import random_net
from sparsesens.evaluation import labelled_subset


def test_balanced_nested_and_seeded():
    y = np.repeat(np.arange(10), 50)
    np.random.default_rng(0).shuffle(y)
    small, large = labelled_subset(y, 3, seed=1), labelled_subset(y, 10, seed=1)
    assert np.bincount(y[small]).tolist() == [3] * 10
    assert set(small) <= set(large)
    np.testing.assert_array_equal(small, labelled_subset(y, 3, seed=1))
    assert not np.array_equal(small, labelled_subset(y, 3, seed=2))


def test_too_few_images_of_a_class():
    with pytest.raises(ValueError, match="class 1 has 2 images"):
        labelled_subset(np.array([0, 0, 0, 1, 1]), 3, seed=0)


def test_nearest_neighbour_matches_sklearn_on_nested_subsets():
    from sklearn.neighbors import KNeighborsClassifier

    rng = np.random.default_rng(3)
    train, test = rng.standard_normal((200, 15)), rng.standard_normal((70, 15))
    y_train, y_test = rng.integers(0, 4, 200), rng.integers(0, 4, 70)
    subsets = {5: np.arange(0, 200, 40), 50: np.arange(0, 200, 4), 200: np.arange(200)}
    for metric in evaluation.METRICS:
        ours = evaluation.nearest_neighbour_accuracy(train, y_train, test, y_test, subsets, metric,
                                                   chunk_size=16)
        for k, rows in subsets.items():
            ref = KNeighborsClassifier(1, metric=metric, algorithm="brute").fit(
                train[rows], y_train[rows]).score(test, y_test)
            assert ours[k] == pytest.approx(ref)
    with pytest.raises(ValueError, match="unknown metric 'manhattan'"):
        evaluation.nearest_neighbour_accuracy(train, y_train, test, y_test, subsets, "manhattan")


def test_both_metrics_from_one_product_match_each_alone():
    rng = np.random.default_rng(5)
    train, test = rng.standard_normal((120, 9)), rng.standard_normal((40, 9))
    train[7] = 0.0  # a zero vector has no direction: cosine scores it 0
    y_train, y_test = rng.integers(0, 3, 120), rng.integers(0, 3, 40)
    subsets = {10: np.arange(0, 120, 12), 120: np.arange(120)}
    both = evaluation.nearest_neighbour_accuracies(train, y_train, test, y_test, subsets,
                                                 chunk_size=7)
    assert set(both) == set(evaluation.METRICS)
    for metric in evaluation.METRICS:
        assert both[metric] == evaluation.nearest_neighbour_accuracy(
            train, y_train, test, y_test, subsets, metric, chunk_size=40)


def test_cosine_ignores_norms_and_euclidean_does_not():
    train = np.array([[1.0, 0.0], [10.0, 1.0]])
    test = np.array([[9.0, 0.2]])
    subsets = {2: np.array([0, 1])}
    euclid = evaluation.nearest_neighbour_accuracy(train, [0, 1], test, [1], subsets, "euclidean")
    cosine = evaluation.nearest_neighbour_accuracy(train, [0, 1], test, [1], subsets, "cosine")
    assert euclid[2] == 1.0 and cosine[2] == 0.0


@pytest.mark.parametrize("weight_decay", [1e-3, 1e-1])
def test_logistic_matches_sklearn(weight_decay):
    from sklearn.linear_model import LogisticRegression

    rng = np.random.default_rng(4)
    X, y = rng.standard_normal((300, 20)), rng.integers(0, 4, 300)
    X[np.arange(300), y] += 1.5
    ours = evaluation.fit_logistic(X, y, weight_decay, n_classes=4, dtype=torch.float64,
                                 tolerance=1e-10)
    ref = LogisticRegression(C=1 / (300 * weight_decay), tol=1e-12, max_iter=10_000).fit(X, y)
    np.testing.assert_allclose(ours.W.numpy(), ref.coef_, atol=1e-4)
    np.testing.assert_allclose(ours.b.numpy(), ref.intercept_, atol=1e-4)
    np.testing.assert_array_equal(ours.predict(X), ref.predict(X))


def test_logistic_path_is_warm_started_and_complete():
    rng = np.random.default_rng(5)
    X, y = rng.standard_normal((120, 8)), rng.integers(0, 3, 120)
    path = evaluation.logistic_path(X, y, [1e-3, 1.0, 1e-2], n_classes=3)
    assert sorted(path) == [1e-3, 1e-2, 1.0]
    norms = [float(path[d].W.norm()) for d in (1.0, 1e-2, 1e-3)]
    assert norms[0] < norms[1] < norms[2]  # less decay, larger weights
    with pytest.raises(ValueError, match="weight_decay must be >= 0"):
        evaluation.fit_logistic(X, y, -1e-3)


def test_no_penalty_is_the_unpenalised_maximum_likelihood_fit():
    from sklearn.linear_model import LogisticRegression

    rng = np.random.default_rng(12)
    X, y = rng.standard_normal((150, 6)), rng.integers(0, 3, 150)  # not separable
    model = evaluation.fit_logistic(X, y, 0.0, n_classes=3, dtype=torch.float64)
    assert model.max_gradient <= evaluation.GRADIENT_TOLERANCE
    reference = LogisticRegression(C=np.inf, tol=1e-12, max_iter=10_000).fit(X, y)
    # softmax weights are fixed up to a shift shared by the classes
    W = model.W.numpy()
    np.testing.assert_allclose(W - W.mean(axis=0), reference.coef_ - reference.coef_.mean(0),
                               atol=1e-4)
    # separable classes have no unpenalised optimum: the fit still stops at the tolerance,
    # every training image right
    X_sep = np.repeat(np.eye(3), 10, axis=0) + 0.1 * rng.standard_normal((30, 3))
    y_sep = np.repeat(np.arange(3), 10)
    separable = evaluation.fit_logistic(X_sep, y_sep, 0.0, n_classes=3)
    assert separable.max_gradient <= evaluation.GRADIENT_TOLERANCE
    assert separable.accuracy(X_sep, y_sep) == 1.0


def test_a_fit_says_how_it_ended():
    rng = np.random.default_rng(8)
    X, y = rng.standard_normal((200, 10)), rng.integers(0, 3, 200)
    X[np.arange(200), y] += 1.0
    done = evaluation.fit_logistic(X, y, 1e-2, n_classes=3, dtype=torch.float64,
                                 tolerance=1e-6, max_iter=1000)
    assert 2 < done.iterations < 1000 and done.max_gradient <= 1e-6
    cut = evaluation.fit_logistic(X, y, 1e-2, n_classes=3, dtype=torch.float64,
                                tolerance=1e-6, max_iter=2)
    assert cut.iterations <= 2 and cut.max_gradient > 1e-4  # its evaluations ran out too
    sweep, _ = evaluation.logistic_sweep(X, y, X, y, [1e-2], n_classes=3, max_iter=2)
    assert sweep[0]["iterations"] <= 2 and sweep[0]["max_gradient"] > 1e-4


def test_a_strongly_decayed_fit_of_offset_vectors_is_quick_and_exact():
    # vectors far from the origin tie the bias to the weights along their mean, and a large
    # decay makes the weights far stiffer than the bias: solved as posed, L-BFGS creeps for
    # hundreds of iterations; centred, with the bias rescaled, it needs a few
    from sklearn.linear_model import LogisticRegression

    rng = np.random.default_rng(14)
    X, y = rng.standard_normal((400, 30)) + 3.0, rng.integers(0, 4, 400)
    X[np.arange(400), y] += 1.0
    for decay in (1e2, 1e4):
        fit = evaluation.fit_logistic(X, y, decay, n_classes=4, dtype=torch.float64)
        assert fit.iterations <= 20 and fit.max_gradient <= evaluation.GRADIENT_TOLERANCE
        # the caller's gradient, recomputed here, is what the fit reports
        W, b = fit.W.clone().requires_grad_(True), fit.b.clone().requires_grad_(True)
        loss = (torch.nn.functional.cross_entropy(torch.as_tensor(X) @ W.T + b,
                                                  torch.as_tensor(y))
                + 0.5 * decay * (W ** 2).sum())
        loss.backward()
        assert max(float(W.grad.abs().max()), float(b.grad.abs().max())) == \
            pytest.approx(fit.max_gradient, rel=1e-6, abs=1e-12)
        ref = LogisticRegression(C=1 / (400 * decay), tol=1e-14, max_iter=10_000).fit(X, y)
        np.testing.assert_allclose(fit.W.numpy(), ref.coef_, atol=1e-7)
        np.testing.assert_allclose(fit.b.numpy(), ref.intercept_, atol=1e-5)


def test_a_float32_fit_over_many_images_still_reaches_the_tolerance():
    # a float32 loss over 20,000 images stops changing ~1e-5 above the optimum's gradient;
    # the loss summed in float64 (and a float64 finish where needed) reaches 1e-6
    rng = np.random.default_rng(9)
    X = rng.standard_normal((20_000, 40)).astype(np.float32)
    y = rng.integers(0, 10, 20_000)
    X[np.arange(20_000), y] += 1.0
    for decay in (1e-2, 1e-4):
        fit = evaluation.fit_logistic(X, y, decay)
        exact = evaluation.fit_logistic(X, y, decay, dtype=torch.float64, tolerance=1e-9)
        assert fit.max_gradient <= evaluation.GRADIENT_TOLERANCE, (decay, fit.max_gradient)
        np.testing.assert_allclose(fit.W.double().numpy(), exact.W.numpy(), atol=1e-4)


def test_random_features_are_seeded_chunked_relu_layers():
    X = np.random.default_rng(6).random((37, 12)).astype(np.float32)
    W1, W2 = random_net.random_net_weights(12, 30, seed=7)
    again = random_net.random_net_weights(12, 30, seed=7)
    assert torch.equal(W1, again[0]) and torch.equal(W2, again[1])
    assert not torch.equal(W1, random_net.random_net_weights(12, 30, seed=8)[0])
    Z = random_net.random_features(X, W1, W2, chunk_size=10)
    expected = np.maximum(np.maximum(X @ W1.numpy().T, 0) @ W2.numpy().T, 0)
    np.testing.assert_allclose(Z, expected, rtol=1e-4, atol=1e-3)
    assert Z.shape == (37, 30) and Z.dtype == np.float32


def test_rms_scale_gives_unit_mean_square_norm():
    X = np.random.default_rng(8).standard_normal((50, 6)) * 7
    scaled = X / evaluation.rms_scale(X)
    assert (scaled ** 2).sum(axis=1).mean() == pytest.approx(1.0)
    assert evaluation.rms_scale(np.zeros((3, 2))) == 1.0


def test_evaluation_rows_have_the_table_columns():
    rows = evaluation.evaluation_rows(
        "sparse", 0.3, 2, {"euclidean": {1: 0.5}, "cosine": {1: 0.6}},
        [{"k": 1, "weight_decay": 0.01, "train_acc": 1.0, "valid_acc": 0.75, "test_acc": 0.7}],
        mu=1e-3, nn_valid_accuracy={"euclidean": {1: 0.55}, "cosine": {1: 0.65}})
    assert [tuple(row) for row in rows] == [evaluation.TABLE_COLUMNS] * 3
    assert {(row["lam"], row["mu"], row["seed"]) for row in rows} == {(0.3, 1e-3, 2)}
    assert [row["classifier"] for row in rows] == ["knn_euclidean", "knn_cosine", "logistic"]
    assert [row["valid_acc"] for row in rows] == [0.55, 0.65, 0.75]


def test_chunk_sizes_are_speed_knobs_only():
    # random_net.chunk_size and evaluation.knn_chunk_size leave the rules' params
    rng = np.random.default_rng(9)
    X = rng.random((53, 12)).astype(np.float32)
    W1, W2 = random_net.random_net_weights(12, 30, seed=7)
    # the same products in other blocks: float32 sums in another order (the BLAS picks its
    # kernel by the number of rows), so equal to float32 rounding of terms of order 1
    np.testing.assert_allclose(random_net.random_features(X, W1, W2, chunk_size=5),
                               random_net.random_features(X, W1, W2, chunk_size=100),
                               rtol=1e-5, atol=1e-5)
    train, test = rng.standard_normal((80, 6)), rng.standard_normal((41, 6))
    y_train, y_test = rng.integers(0, 3, 80), rng.integers(0, 3, 41)
    subsets = {1: np.arange(0, 80, 8), 8: np.arange(80)}
    assert (evaluation.nearest_neighbour_accuracy(train, y_train, test, y_test, subsets,
                                                chunk_size=3)
            == evaluation.nearest_neighbour_accuracy(train, y_train, test, y_test, subsets,
                                                   chunk_size=1000))


def test_logistic_sweep_picks_the_best_validation_decay_and_the_larger_on_ties():
    rng = np.random.default_rng(6)
    X, y = rng.standard_normal((200, 8)), rng.integers(0, 3, 200)
    sweep, best = evaluation.logistic_sweep(X[:100], y[:100], X[100:150], y[100:150],
                                          [1e-3, 1e-1, 10.0], test=X[150:],
                                          test_labels=y[150:], n_classes=3)
    assert [row["weight_decay"] for row in sweep] == [10.0, 1e-1, 1e-3]
    top = max(row["valid_acc"] for row in sweep)
    assert best["valid_acc"] == top
    assert best["weight_decay"] == max(r["weight_decay"] for r in sweep if r["valid_acc"] == top)
    # the test split is measured for every fit and chooses nothing
    swapped = evaluation.logistic_sweep(X[:100], y[:100], X[100:150], y[100:150],
                                        [1e-3, 1e-1, 10.0], test=X[150:][::-1],
                                        test_labels=np.roll(y[150:], 7), n_classes=3)[1]
    assert swapped["weight_decay"] == best["weight_decay"]
    assert all(0 <= row["test_acc"] <= 1 for row in sweep)
    # separable classes: every decay is perfect on them, and the largest is chosen
    separable = np.repeat(np.eye(3), 20, axis=0) * 5
    labels = np.repeat(np.arange(3), 20)
    sweep, tied = evaluation.logistic_sweep(separable, labels, separable, labels,
                                          [1e-3, 1e-2], n_classes=3)
    assert [row["valid_acc"] for row in sweep] == [1.0, 1.0] and tied["weight_decay"] == 1e-2
    assert np.isnan(tied["test_acc"])  # no test split given


def test_seed_summary_gives_mean_and_spread_per_key_with_missing_lambdas_as_a_group():
    import pandas as pd

    runs = pd.DataFrame({"representation": ["sparse", "sparse", "pixels", "pixels"],
                         "lam": [0.3, 0.3, None, None], "k": [1] * 4, "seed": [0, 1, 0, 1],
                         "train_acc": [1.0, 0.8, None, None],
                         "test_acc": [0.5, 0.7, 0.6, 0.6]})
    summary = evaluation.seed_summary(runs, ["representation", "lam", "k"])
    assert len(summary) == 2 and summary["n_seeds"].tolist() == [2, 2]
    pixels = summary[summary.representation == "pixels"].iloc[0]
    sparse = summary[summary.representation == "sparse"].iloc[0]
    assert pixels["test_mean"] == pytest.approx(0.6) and pixels["test_std"] == 0.0
    assert np.isnan(pixels["train_mean"])
    assert sparse["train_mean"] == pytest.approx(0.9)
    assert sparse["test_std"] == pytest.approx(np.std([0.5, 0.7], ddof=1))
    assert "edge_fraction" not in summary
    runs["decay_at_edge"] = [True, False, None, None]
    summary = evaluation.seed_summary(runs, ["representation", "lam", "k"])
    assert summary.set_index("representation")["edge_fraction"]["sparse"] == 0.5
    assert np.isnan(summary.set_index("representation")["edge_fraction"]["pixels"])


def test_seeds_evaluated_together_match_each_seed_alone():
    # 1-NN over the union of the seeds' pools must give each seed exactly what its own pool
    # gives, and the logistic sweep must see each seed's own scaling
    rng = np.random.default_rng(9)
    labels = np.repeat(np.arange(3), 40)
    X = rng.standard_normal((120, 6)) * 5.0 + labels[:, None]
    test, y_test = rng.standard_normal((50, 6)) * 5.0 + 1.0, rng.integers(0, 3, 50)
    pools = {seed: {k: evaluation.labelled_subset(labels, k, seed) for k in (2, 10)}
             for seed in (0, 1, 2)}
    pool = evaluation.LabelledPool.of(pools)
    union = pool.images
    assert len(union) < sum(len(by_k[10]) for by_k in pools.values())
    for seed, by_k in pools.items():  # positions in the pool name the same images
        assert all(np.array_equal(union[pool.subsets[seed][k]], rows) for k, rows in by_k.items())
    valid, y_valid = test[::-1], y_test[::-1]  # chooses the decays; the test split reports
    together = evaluation.evaluate_seeds(X[union], labels[union], valid, y_valid, pool.subsets,
                                         [1e-2, 1.0], test=test, test_labels=y_test,
                                         max_iter=50)
    assert list(together) == [0, 1, 2]
    for seed, by_k in pools.items():
        own = by_k[10]
        alone = {k: np.searchsorted(own, rows) for k, rows in by_k.items()}
        nn = evaluation.nearest_neighbour_accuracies(X[own], labels[own], test, y_test, alone)
        scale = evaluation.rms_scale(X[own])
        assert together[seed].nn_accuracy == nn
        assert together[seed].nn_valid_accuracy == evaluation.nearest_neighbour_accuracies(
            X[own], labels[own], valid, y_valid, alone)
        for k, rows in by_k.items():
            for scaling, by in (("given", 1.0), ("rms", scale)):
                # as many classes as the labels name (3), as evaluate_seeds reads them;
                # as given, solved on the scaled vectors
                sweep, best = evaluation.logistic_sweep(
                    X[rows] / by, labels[rows], valid / by, y_valid, [1e-2, 1.0],
                    test=test / by, test_labels=y_test, solve_scale=scale / by, max_iter=50,
                    n_classes=3)
                # the same fits, though both scalings' share one warm-started path there:
                # both at the tolerance, the same predictions
                ours = [row for row in together[seed].sweep
                        if row["k"] == k and row["scaling"] == scaling]
                assert [_outcome(row) for row in ours] == [_outcome(row) for row in sweep]
                assert max(row["max_gradient"] for row in ours + sweep) <= \
                    evaluation.GRADIENT_TOLERANCE
                classifier = evaluation.logistic_classifier(scaling, wide=False)
                chosen = next(row for row in together[seed].chosen
                              if row["k"] == k and row["classifier"] == classifier)
                assert _outcome(chosen) == _outcome(best)
                hits = together[seed].test_hits[classifier, k]
                assert hits.shape == (50,) and hits.mean() == best["test_acc"]
            for metric in evaluation.METRICS:
                assert together[seed].test_hits[f"knn_{metric}", k].mean() == nn[metric][k]


def _outcome(fit: dict) -> tuple:
    """What a logistic fit decides, without how its solver got there."""
    return fit["weight_decay"], fit["train_acc"], fit["valid_acc"], fit["test_acc"]


def test_bootstrap_intervals_cover_the_mean_and_widen_with_the_seeds_spread():
    rng = np.random.default_rng(13)
    steady = {seed: {("a", 1): rng.random(2000) < 0.7} for seed in range(5)}
    spread = {seed: {("a", 1): rng.random(2000) < 0.5 + 0.1 * seed} for seed in range(5)}
    (low, high), = evaluation.bootstrap_intervals(steady, 500, seed=0).values()
    mean = np.mean([h[("a", 1)].mean() for h in steady.values()])
    # each seed's mean of 2,000 draws of a 0.7 coin spreads by 0.010, and the two levels'
    # resampling counts the images' share twice (conservative): about +-0.013
    assert low < mean < high and high - low < 0.04
    (wide_low, wide_high), = evaluation.bootstrap_intervals(spread, 500, seed=0).values()
    assert wide_high - wide_low > 3 * (high - low)  # the seeds' spread of 0.1 per seed
    # the draws depend on the seed alone: the same for every representation
    assert evaluation.bootstrap_intervals(steady, 500, seed=0) == \
        evaluation.bootstrap_intervals(steady, 500, seed=0)
    assert evaluation.bootstrap_intervals(steady, 500, seed=1) != \
        evaluation.bootstrap_intervals(steady, 500, seed=0)
    with pytest.raises(ValueError, match="level"):
        evaluation.bootstrap_intervals(steady, 500, seed=0, level=95)


def test_a_chosen_decay_of_no_penalty_is_not_on_an_edge():
    sweep = [{"weight_decay": d, "valid_acc": acc} for d, acc in
             ((0.0, 0.9), (1e-3, 0.8), (1.0, 0.7))]
    assert evaluation.best_decay(sweep, [0.0, 1e-3, 1.0])["decay_at_edge"] is False
    assert evaluation.best_decay(sweep, [1e-3, 1.0])["decay_at_edge"] is True
    top = [{**row, "valid_acc": 1.0 if row["weight_decay"] == 1.0 else 0.5} for row in sweep]
    assert evaluation.best_decay(top, [0.0, 1e-3, 1.0])["decay_at_edge"] is True


def test_a_wider_grid_is_fitted_beside_the_papers_and_chosen_from_both():
    rng = np.random.default_rng(11)
    labels = np.repeat(np.arange(3), 30)
    X = rng.standard_normal((90, 5)) + labels[:, None]
    test, y_test = rng.standard_normal((60, 5)) + np.repeat(np.arange(3), 20)[:, None], \
        np.repeat(np.arange(3), 20)
    subsets = {0: {3: evaluation.labelled_subset(labels, 3, 0),
                   30: evaluation.labelled_subset(labels, 30, 0)}}
    result = evaluation.evaluate_seeds(X, labels, test, y_test, subsets, [1e-2, 1.0],
                                       wider_decays=[1e-4, 10.0], max_iter=100)[0]
    nn, sweep, chosen = result.nn_accuracy, result.sweep, result.chosen
    assert sorted({row["weight_decay"] for row in sweep}) == [1e-4, 1e-2, 1.0, 10.0]
    for k in (3, 30):
        fits = [row for row in sweep if row["k"] == k and row["scaling"] == "given"]
        paper, wide = (next(row for row in chosen if row["k"] == k and row["classifier"] == c)
                       for c in ("logistic", "logistic_wide"))
        assert paper["weight_decay"] in (1e-2, 1.0) and paper == {
            "k": k, "classifier": "logistic",
            **evaluation.best_decay([{key: v for key, v in row.items()
                                     if key not in ("k", "scaling")} for row in fits],
                                    [1e-2, 1.0])}
        assert wide["valid_acc"] == max(row["valid_acc"] for row in fits)
        assert wide["valid_acc"] >= paper["valid_acc"]
        assert paper["decay_at_edge"]  # a grid of two decays has nothing but edges
    rows = evaluation.evaluation_rows("pixels", None, 0, nn, chosen)
    assert {row["classifier"] for row in rows} >= {"logistic", "logistic_wide", "logistic_rms",
                                                   "logistic_rms_wide"}
    # without wider decays, the paper's grid alone, in both scalings
    alone = evaluation.evaluate_seeds(X, labels, test, y_test, subsets, [1e-2, 1.0],
                                      max_iter=100)[0].chosen
    assert [row["classifier"] for row in alone] == ["logistic", "logistic_rms"] * 2
    # both scalings run along one path: no penalty, which they share, is one fit
    unpenalised = [{key: value for key, value in row.items() if key != "scaling"}
                   for row in evaluation.evaluate_seeds(
                       X, labels, test, y_test, subsets, [1e-2, 1.0], wider_decays=[0.0],
                       max_iter=100)[0].sweep if row["weight_decay"] == 0.0]
    assert len(unpenalised) == 4 and unpenalised[0] == unpenalised[1] \
        and unpenalised[2] == unpenalised[3]
    # a fit cut off before the gradient tolerance is named; these small fits all converge
    assert evaluation.unconverged_fits({0: result}) == []
    assert evaluation.unconverged_fits({0: result}, tolerance=-1.0) == sweep


def test_best_decay_says_when_the_choice_sits_on_the_grids_edge():
    sweep = [{"weight_decay": d, "valid_acc": a} for d, a in ((1e-3, 0.8), (1e-2, 0.9),
                                                             (1e-1, 0.85))]
    assert not evaluation.best_decay(sweep, [1e-3, 1e-2, 1e-1])["decay_at_edge"]
    chosen = evaluation.best_decay(sweep, [1e-3, 1e-2])
    assert chosen["weight_decay"] == 1e-2 and chosen["decay_at_edge"]


def test_a_fit_solved_on_scaled_vectors_is_the_same_fit_as_given():
    rng = np.random.default_rng(14)
    labels = np.repeat(np.arange(3), 20)
    X = (rng.standard_normal((60, 6)) + labels[:, None]) * 300.0  # a large representation
    queries = (rng.standard_normal((40, 6)) + np.repeat(np.arange(3), 14)[:40, None]) * 300.0
    y_queries = np.repeat(np.arange(3), 14)[:40]
    decays = [10.0, 1e3, 1e5]
    as_given = evaluation.logistic_path(X, labels, decays, n_classes=3, dtype=torch.float64,
                                        max_iter=2000)
    sweep, _ = evaluation.logistic_sweep(X, labels, queries, y_queries, decays,
                                         solve_scale=300.0, n_classes=3, max_iter=2000)
    for row in sweep:
        model = as_given[row["weight_decay"]]
        assert row["valid_acc"] == model.accuracy(queries, y_queries)
        assert row["max_gradient"] <= evaluation.GRADIENT_TOLERANCE
    with pytest.raises(ValueError, match="solve_scale"):
        evaluation.logistic_sweep(X, labels, queries, y_queries, decays, solve_scale=0.0)
