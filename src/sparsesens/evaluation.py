"""Supervised evaluation of representations (Section 6): labelled subsets, 1-nearest-neighbour
and multinomial logistic regression, batched in torch (the random net of Eq. 8, one of the
representations, is in ``baselines.random_net``)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch

METRICS = ("euclidean", "cosine")
# L-BFGS stops once the largest entry of the objective's gradient is below this
GRADIENT_TOLERANCE = 1e-6


def labelled_subset(labels: np.ndarray, per_class: int, seed: int) -> np.ndarray:
    """Indices of ``per_class`` labelled training images of every class.

    For one seed the subsets are nested: the images chosen for k labels per class are the
    first k of a fixed per-class permutation, so more labels only add images.

    Args:
        labels: (N,) integer class of each training image.
        per_class: labelled images wanted of each class.
        seed: seeds the permutation.

    Returns:
        Sorted indices into ``labels``, ``per_class`` of each class.
    """
    labels = np.asarray(labels)
    rng = np.random.default_rng(seed)
    chosen = []
    for cls in np.unique(labels):
        members = np.flatnonzero(labels == cls)
        if len(members) < per_class:
            raise ValueError(f"class {cls} has {len(members)} images, fewer than the "
                             f"{per_class} labels per class asked for")
        chosen.append(rng.permutation(members)[:per_class])
    return np.sort(np.concatenate(chosen))


# ----------------------------------------------------------------------------- classifiers


def rms_scale(train: np.ndarray) -> float:
    """Root-mean-square norm of the training vectors (1 when they are all zero).

    Dividing every split of a representation by it gives the training vectors unit mean
    squared norm, so one weight-decay grid means the same for every representation; it
    changes no nearest neighbour.
    """
    train = np.asarray(train, dtype=np.float64)
    value = float(np.sqrt((train ** 2).sum(axis=1).mean())) if len(train) else 0.0
    return value or 1.0


def nearest_neighbour_accuracy(train: np.ndarray, train_labels: np.ndarray, test: np.ndarray,
                               test_labels: np.ndarray, subsets: Mapping[int, np.ndarray],
                               metric: str = "euclidean", *, device: torch.device | str = "cpu",
                               chunk_size: int = 1000) -> dict[int, float]:
    """1-nearest-neighbour accuracy of one ``metric``: :func:`nearest_neighbour_accuracies`
    for that metric alone."""
    return nearest_neighbour_accuracies(train, train_labels, test, test_labels, subsets,
                                        (metric,), device=device, chunk_size=chunk_size)[metric]


def nearest_neighbour_accuracies(train: np.ndarray, train_labels: np.ndarray,
                                 test: np.ndarray, test_labels: np.ndarray,
                                 subsets: Mapping[int, np.ndarray],
                                 metrics: Sequence[str] = METRICS, *,
                                 device: torch.device | str = "cpu",
                                 chunk_size: int = 1000) -> dict[str, dict[int, float]]:
    """1-nearest-neighbour accuracy on ``test`` for several labelled subsets of ``train``
    and several metrics.

    The products of a chunk of test rows with all of ``train`` are computed once: both
    metrics' scores are rescalings of them (Euclidean: ``2 b.a - ||a||^2``; cosine:
    ``b.a / ||a||``, the test row's norm changing no row's order), and each subset takes
    its maximum over its own columns, so nested subsets cost one product. Ties go to the
    lowest training index.

    Args:
        train: (N, d) training vectors (the union of the subsets, or more).
        train_labels: (N,) their classes.
        test: (M, d) test vectors.
        test_labels: (M,) their classes.
        subsets: key -> row indices into ``train`` that form that labelled set.
        metrics: some of ``euclidean`` and ``cosine``.
        device: where the distances are computed.
        chunk_size: test rows per distance block.

    Returns:
        metric -> key -> fraction of test rows whose nearest neighbour has their class.
    """
    unknown = [metric for metric in metrics if metric not in METRICS]
    if unknown or not metrics:
        raise ValueError(f"unknown metric {unknown[0] if unknown else None!r}; allowed: "
                         f"{', '.join(METRICS)}")
    A = torch.as_tensor(np.asarray(train, dtype=np.float32), device=device)
    norm = torch.linalg.vector_norm(A, dim=1)
    rescale = {"euclidean": lambda raw: 2.0 * raw - norm * norm,  # ||b||^2 - ||b - a||^2
               "cosine": lambda raw: raw / norm.clamp_min(1e-12)}  # larger is nearer
    y_train = torch.as_tensor(np.asarray(train_labels), device=device)
    columns = {key: torch.as_tensor(np.asarray(rows), device=device)
               for key, rows in subsets.items()}
    correct = {metric: dict.fromkeys(subsets, 0) for metric in metrics}
    for start in range(0, len(test), chunk_size):
        B = torch.as_tensor(np.asarray(test[start:start + chunk_size], dtype=np.float32),
                            device=device)
        y = torch.as_tensor(np.asarray(test_labels[start:start + chunk_size]), device=device)
        raw = B @ A.T
        for metric in metrics:
            score = rescale[metric](raw)
            for key, cols in columns.items():
                nearest = cols[score[:, cols].argmax(dim=1)]
                correct[metric][key] += int((y_train[nearest] == y).sum())
    return {metric: {key: hits / len(test) for key, hits in by_key.items()}
            for metric, by_key in correct.items()}


@dataclass
class LinearModel:
    """A multinomial logistic-regression model: ``logits = X @ W.T + b``, with how its fit
    ended: L-BFGS ``iterations`` and the largest absolute entry of the objective's gradient
    at the returned point (``max_gradient``; NaN when not measured)."""

    W: torch.Tensor
    b: torch.Tensor
    iterations: int = 0
    max_gradient: float = float("nan")

    def predict(self, X: np.ndarray | torch.Tensor) -> np.ndarray:
        X = torch.as_tensor(np.asarray(X), device=self.W.device, dtype=self.W.dtype)
        return (X @ self.W.T + self.b).argmax(dim=1).cpu().numpy()

    def accuracy(self, X: np.ndarray, y: np.ndarray) -> float:
        return float((self.predict(X) == np.asarray(y)).mean())


def fit_logistic(X: np.ndarray, y: np.ndarray, weight_decay: float, *, n_classes: int = 10,
                 device: torch.device | str = "cpu", max_iter: int = 500,
                 tolerance: float = GRADIENT_TOLERANCE, dtype: torch.dtype = torch.float32,
                 init: LinearModel | None = None) -> LinearModel:
    """Multinomial logistic regression by full-batch L-BFGS (strong Wolfe line search).

    Minimises ``mean_i CE(W x_i + b, y_i) + weight_decay / 2 * ||W||^2`` (the bias is not
    decayed), which is scikit-learn's ``LogisticRegression(C=1 / (N * weight_decay))``.

    The products with ``X`` run in ``dtype``; the loss is summed in float64 whatever it is,
    since a float32 sum over thousands of images stops changing in its last bits a few
    decades above a tight gradient tolerance and the line search then stalls. A float32
    fit that still ends above ``tolerance`` goes on in float64 from where it stopped (within
    the same ``max_iter``).

    Args:
        X: (N, d) features.
        y: (N,) classes in 0..n_classes-1.
        weight_decay: L2 weight, > 0.
        n_classes: number of classes.
        device: where the optimisation runs.
        max_iter: L-BFGS iterations at most.
        tolerance: stop when the largest gradient entry falls below this.
        dtype: precision of the data, the parameters and the products (float32 halves the
            memory of wide features and their time).
        init: a model to start from (warm start along a weight-decay path).

    Returns:
        The fitted :class:`LinearModel`.
    """
    if not weight_decay > 0:
        raise ValueError(f"weight_decay must be > 0, got {weight_decay}")
    model = _lbfgs(X, y, weight_decay, n_classes, device, max_iter, tolerance, dtype, init)
    if model.max_gradient <= tolerance or dtype == torch.float64 or model.iterations >= max_iter:
        return model
    polished = _lbfgs(X, y, weight_decay, n_classes, device, max_iter - model.iterations,
                      tolerance, torch.float64, model)
    polished.iterations += model.iterations
    return polished


def _lbfgs(X: np.ndarray, y: np.ndarray, weight_decay: float, n_classes: int,
           device: torch.device | str, max_iter: int, tolerance: float, dtype: torch.dtype,
           init: LinearModel | None) -> LinearModel:
    """One L-BFGS run of :func:`fit_logistic` in ``dtype``, its loss summed in float64."""
    X_t = torch.as_tensor(np.asarray(X), device=device, dtype=dtype)
    y_t = torch.as_tensor(np.asarray(y, dtype=np.int64), device=device)
    W = torch.zeros((n_classes, X_t.shape[1]), dtype=dtype, device=device)
    b = torch.zeros(n_classes, dtype=dtype, device=device)
    if init is not None:
        W, b = init.W.to(device, dtype).clone(), init.b.to(device, dtype).clone()
    W.requires_grad_(True)
    b.requires_grad_(True)
    optimiser = torch.optim.LBFGS([W, b], lr=1.0, max_iter=max_iter, history_size=20,
                                  tolerance_grad=tolerance, tolerance_change=1e-12,
                                  line_search_fn="strong_wolfe")

    def objective():
        optimiser.zero_grad()
        loss = (torch.nn.functional.cross_entropy((X_t @ W.T + b).double(), y_t)
                + 0.5 * weight_decay * (W.double() ** 2).sum())
        loss.backward()
        return loss

    optimiser.step(objective)
    objective()  # the gradient where the fit ended: did it reach the tolerance?
    max_gradient = max(float(W.grad.abs().max()), float(b.grad.abs().max()))
    iterations = int(optimiser.state[optimiser.param_groups[0]["params"][0]].get("n_iter", 0))
    return LinearModel(W.detach(), b.detach(), iterations, max_gradient)


def logistic_path(X: np.ndarray, y: np.ndarray, weight_decays: Iterable[float], **kwargs
                  ) -> dict[float, LinearModel]:
    """:func:`fit_logistic` for every weight decay, from the largest down, each warm-started
    from the previous solution (strongly regularised problems are the easy ones)."""
    models, previous = {}, None
    for decay in sorted(weight_decays, reverse=True):
        previous = models[decay] = fit_logistic(X, y, decay, init=previous, **kwargs)
    return models


def logistic_sweep(train: np.ndarray, train_labels: np.ndarray, test: np.ndarray,
                   test_labels: np.ndarray, weight_decays: Iterable[float], **kwargs
                   ) -> tuple[list[dict], dict]:
    """Fit :func:`logistic_path` and pick the weight decay by held-out accuracy.

    Ties go to the larger weight decay, the simpler model.

    Returns:
        ``(sweep, best)``: one dict per weight decay with ``weight_decay``, ``train_acc``,
        ``test_acc``, ``iterations`` and ``max_gradient`` (:class:`LinearModel`), and the
        chosen one.
    """
    models = logistic_path(train, train_labels, weight_decays, **kwargs)
    sweep = [{"weight_decay": decay, "train_acc": model.accuracy(train, train_labels),
              "test_acc": model.accuracy(test, test_labels), "iterations": model.iterations,
              "max_gradient": model.max_gradient} for decay, model in models.items()]
    return sweep, best_decay(sweep, weight_decays)


def best_decay(sweep: Sequence[Mapping[str, float]], grid: Iterable[float]) -> dict:
    """The fit of ``sweep`` with the best held-out accuracy among the decays of ``grid``
    (ties to the larger decay), with ``decay_at_edge``: whether its decay is the grid's
    smallest or largest, where a wider grid might have chosen beyond it."""
    grid = sorted(set(grid))
    best = max((row for row in sweep if row["weight_decay"] in grid),
               key=lambda row: (row["test_acc"], row["weight_decay"]))
    return {**best, "decay_at_edge": best["weight_decay"] in (grid[0], grid[-1])}


@dataclass
class SeedEvaluation:
    """One labelled-subset seed's evaluation of a representation (:func:`evaluate_seeds`).

    Attributes:
        nn_accuracy: metric -> k -> 1-NN test accuracy.
        sweep: one row per k and weight decay (:func:`logistic_sweep`'s), with ``k``.
        chosen: the chosen fits per k (:func:`best_decay`), each with ``k`` and its
            ``classifier``: ``logistic`` from the paper's grid and, with wider decays,
            ``logistic_wide`` from both grids.
    """

    nn_accuracy: dict[str, dict[int, float]]
    sweep: list[dict]
    chosen: list[dict]


@dataclass
class LabelledPool:
    """The labelled training images of several seeds as one array's rows.

    Attributes:
        images: sorted indices into the training split of every seed's labelled images
            (within a seed the largest subset holds all smaller ones, and the seeds'
            subsets overlap, so this is much smaller than their sum).
        subsets: seed -> k -> rows of ``images`` (positions, not training indices).
    """

    images: np.ndarray
    subsets: dict[int, dict[int, np.ndarray]]

    @classmethod
    def of(cls, subsets: Mapping[int, Mapping[int, np.ndarray]]) -> LabelledPool:
        """The pool of ``subsets`` (seed -> k -> training indices)."""
        images = np.unique(np.concatenate([np.asarray(indices) for by_k in subsets.values()
                                           for indices in by_k.values()]))
        return cls(images, {seed: {k: np.searchsorted(images, indices)
                                   for k, indices in by_k.items()}
                            for seed, by_k in subsets.items()})


def evaluate_seeds(train: np.ndarray, train_labels: np.ndarray, test: np.ndarray,
                   test_labels: np.ndarray, subsets: Mapping[int, Mapping[int, np.ndarray]],
                   weight_decays: Iterable[float], *, wider_decays: Iterable[float] = (),
                   device: torch.device | str = "cpu", max_iter: int = 500,
                   chunk_size: int = 1000,
                   progress: Callable[[int, int, dict, dict], None] | None = None
                   ) -> dict[int, SeedEvaluation]:
    """1-NN (every metric) and the logistic sweep of one representation for the labelled
    subsets of several seeds, each evaluated on all of ``test``.

    ``train`` holds the union of every seed's labelled images, so the products of the test
    vectors with them are computed once for all seeds (:func:`nearest_neighbour_accuracies`);
    the seeds' pools overlap, so the union is much smaller than their sum. Each seed's
    logistic fits see its own labelled vectors divided by their :func:`rms_scale` (which
    changes no nearest neighbour), the same weight-decay grid meaning the same for every
    representation.

    Args:
        train: (N, d) the union of the labelled training vectors.
        train_labels: (N,) their classes.
        test: (M, d) test vectors.
        test_labels: (M,) their classes.
        subsets: seed -> k -> row indices into ``train`` (nested within a seed, the largest
            holding the others).
        weight_decays: the logistic grid (:func:`logistic_sweep`): the paper's.
        wider_decays: more decays fitted beside it; with any, each k also gets the best
            fit over both grids, as classifier ``logistic_wide``.
        device: where distances and fits are computed.
        max_iter: L-BFGS iterations per fit at most.
        chunk_size: test rows per distance block.
        progress: called with each seed, k, its 1-NN accuracies and its chosen fit.

    Returns:
        seed -> its :class:`SeedEvaluation`.
    """
    paper_grid, wider = list(weight_decays), list(wider_decays)
    flat = {(seed, k): rows for seed, by_k in subsets.items() for k, rows in by_k.items()}
    n_classes = int(max(np.max(train_labels), np.max(test_labels))) + 1
    nearest = nearest_neighbour_accuracies(train, train_labels, test, test_labels, flat,
                                           METRICS, device=device, chunk_size=chunk_size)
    results = {}
    for seed, by_k in subsets.items():
        scale = rms_scale(train[np.unique(np.concatenate(list(by_k.values())))])
        scaled_test = test / scale
        nn_accuracy = {metric: {k: by_key[seed, k] for k in by_k}
                       for metric, by_key in nearest.items()}
        sweep, chosen = [], []
        for k, rows in by_k.items():
            scores, best = logistic_sweep(train[rows] / scale, train_labels[rows], scaled_test,
                                          test_labels, paper_grid + wider, device=device,
                                          max_iter=max_iter, n_classes=n_classes)
            sweep += [{"k": k, **row} for row in scores]
            paper_best = {"k": k, "classifier": "logistic", **best_decay(scores, paper_grid)}
            chosen.append(paper_best)
            if wider:
                chosen.append({"k": k, "classifier": "logistic_wide", **best})
            if progress is not None:
                progress(seed, k, {metric: by_k_acc[k] for metric, by_k_acc
                                   in nn_accuracy.items()}, paper_best)
        results[seed] = SeedEvaluation(nn_accuracy, sweep, chosen)
    return results


def unconverged_fits(results: Mapping[int, SeedEvaluation],
                     tolerance: float = GRADIENT_TOLERANCE) -> list[dict]:
    """The logistic fits of ``results`` whose largest gradient entry ended above
    ``tolerance`` (at the iteration cap, or stopped by L-BFGS' other rules)."""
    return [row for result in results.values() for row in result.sweep
            if row["max_gradient"] > tolerance]


def evaluation_rows(representation: str, lam: float | None, seed: int,
                    nn_accuracy: Mapping[str, Mapping[int, float]],
                    logistic: Sequence[Mapping[str, float]], mu: float | None = None,
                    dictionary_seed: int | None = None) -> list[dict]:
    """Tidy rows in the evaluation table's columns (see :data:`TABLE_COLUMNS`).

    Args:
        representation: pixels, sparse, mlp or random.
        lam: the sparse code's lambda, None otherwise.
        seed: the labelled-subset seed.
        nn_accuracy: metric -> k -> test accuracy.
        logistic: dicts with k, weight_decay, decay_at_edge, train_acc, test_acc and
            optionally classifier (default ``logistic``): the chosen decays.
        mu: the overlap penalty of the sparse code's dictionary (0 for the paper's), None
            otherwise.
        dictionary_seed: the dictionary seed of the sparse code's dictionary, None otherwise.
    """
    base = {"representation": representation, "lam": lam, "mu": mu, "seed": seed,
            "dictionary_seed": dictionary_seed}
    rows = [{**base, "classifier": f"knn_{metric}", "k": k, "weight_decay": None,
             "decay_at_edge": None, "train_acc": None, "test_acc": acc}
            for metric, by_k in nn_accuracy.items() for k, acc in by_k.items()]
    rows += [{**base, "classifier": "logistic", "decay_at_edge": None, **row}
             for row in logistic]
    return [{col: row[col] for col in TABLE_COLUMNS} for row in rows]


TABLE_COLUMNS = ("representation", "lam", "mu", "classifier", "k", "seed", "weight_decay",
                 "decay_at_edge", "train_acc", "test_acc", "dictionary_seed")


def seed_summary(runs: pd.DataFrame, keys: Sequence[str]) -> pd.DataFrame:
    """Mean and spread over the labelled-subset seeds of evaluation runs.

    Args:
        runs: tidy evaluation rows (:func:`evaluation_rows`): ``seed``, ``train_acc``,
            ``test_acc`` and the ``keys`` columns.
        keys: the columns a summary row stands for, e.g. representation, lam, classifier, k.

    Returns:
        One row per combination of ``keys`` (missing values, such as the lambda of a
        representation without one, form their own group) with ``n_seeds``,
        ``train_mean``, ``train_std``, ``test_mean``, ``test_std`` and, where the runs
        say so, ``edge_fraction``: the share of seeds whose chosen weight decay sits on
        its grid's edge (empty for the nearest neighbours).
    """
    columns = {"n_seeds": ("seed", "nunique"), "train_mean": ("train_acc", "mean"),
               "train_std": ("train_acc", "std"), "test_mean": ("test_acc", "mean"),
               "test_std": ("test_acc", "std")}
    if "decay_at_edge" in runs:
        runs = runs.assign(decay_at_edge=runs["decay_at_edge"].astype(float))
        columns["edge_fraction"] = ("decay_at_edge", "mean")
    return runs.groupby(list(keys), dropna=False).agg(**columns).reset_index()
