"""Supervised evaluation of representations (Section 6): labelled subsets, 1-nearest-neighbour
and multinomial logistic regression, batched in torch (the random net of Eq. 8, one of the
representations, is in ``baselines.random_net``)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

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
    and several metrics: the means of :func:`nearest_neighbour_hits`.

    Returns:
        metric -> key -> fraction of test rows whose nearest neighbour has their class.
    """
    hits = nearest_neighbour_hits(train, train_labels, test, test_labels, subsets, metrics,
                                  device=device, chunk_size=chunk_size)
    return {metric: {key: float(row_hits.mean()) for key, row_hits in by_key.items()}
            for metric, by_key in hits.items()}


def nearest_neighbour_hits(train: np.ndarray, train_labels: np.ndarray, test: np.ndarray,
                           test_labels: np.ndarray, subsets: Mapping[int, np.ndarray],
                           metrics: Sequence[str] = METRICS, *,
                           device: torch.device | str = "cpu",
                           chunk_size: int = 1000) -> dict[str, dict[int, np.ndarray]]:
    """Which rows of ``test`` the 1-nearest neighbour classifies right, for several labelled
    subsets of ``train`` and several metrics.

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
        metric -> key -> (M,) bool: whether each test row's nearest neighbour has its class.
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
    hits = {metric: {key: [] for key in subsets} for metric in metrics}
    for start in range(0, len(test), chunk_size):
        B = torch.as_tensor(np.ascontiguousarray(test[start:start + chunk_size],
                                                 dtype=np.float32), device=device)
        y = torch.as_tensor(np.ascontiguousarray(test_labels[start:start + chunk_size]),
                            device=device)
        raw = B @ A.T
        for metric in metrics:
            score = rescale[metric](raw)
            for key, cols in columns.items():
                nearest = cols[score[:, cols].argmax(dim=1)]
                hits[metric][key].append((y_train[nearest] == y).cpu().numpy())
    return {metric: {key: np.concatenate(parts) if parts else np.zeros(0, dtype=bool)
                     for key, parts in by_key.items()} for metric, by_key in hits.items()}


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
        X = torch.as_tensor(np.ascontiguousarray(X), device=self.W.device, dtype=self.W.dtype)
        return (X @ self.W.T + self.b).argmax(dim=1).cpu().numpy()

    def hits(self, X: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Whether each row of ``X`` is classified as ``y`` says."""
        return self.predict(X) == np.asarray(y)

    def accuracy(self, X: np.ndarray, y: np.ndarray) -> float:
        return float(self.hits(X, y).mean())


def fit_logistic(X: np.ndarray, y: np.ndarray, weight_decay: float, *, n_classes: int = 10,
                 device: torch.device | str = "cpu", max_iter: int = 500,
                 tolerance: float = GRADIENT_TOLERANCE, dtype: torch.dtype = torch.float32,
                 init: LinearModel | None = None) -> LinearModel:
    """Multinomial logistic regression by full-batch L-BFGS (strong Wolfe line search).

    Minimises ``mean_i CE(W x_i + b, y_i) + weight_decay / 2 * ||W||^2`` (the bias is not
    decayed), which is scikit-learn's ``LogisticRegression(C=1 / (N * weight_decay))``.
    A weight decay of 0 is no penalty: where the classes are separable the loss has no
    minimum (it falls towards 0 as the weights grow along a separating direction), and the
    fit stops where the gradient falls below ``tolerance``, as every other fit does.

    The products with ``X`` run in ``dtype``; the loss is summed in float64 whatever it is,
    since a float32 sum over thousands of images stops changing in its last bits a few
    decades above a tight gradient tolerance and the line search then stalls. A float32
    fit that still ends above ``tolerance`` goes on in float64 from where it stopped (within
    the same ``max_iter``).

    Args:
        X: (N, d) features.
        y: (N,) classes in 0..n_classes-1.
        weight_decay: L2 weight, >= 0.
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
    if not weight_decay >= 0:
        raise ValueError(f"weight_decay must be >= 0 (0: no penalty), got {weight_decay}")
    model = _lbfgs(X, y, weight_decay, n_classes, device, max_iter, tolerance, dtype, init)
    if model.max_gradient <= tolerance or dtype == torch.float64 or model.iterations >= max_iter:
        return model
    polished = _lbfgs(X, y, weight_decay, n_classes, device, max_iter - model.iterations,
                      tolerance, torch.float64, model)
    polished.iterations += model.iterations
    return polished


# L-BFGS also stops when the loss changes by less than this; a strongly decayed fit is so
# well conditioned that its loss stops changing in float32's last bits while its gradient
# is still above the tolerance, and the float64 polish must see changes that small
_LOSS_CHANGE_TOLERANCE = {torch.float32: 1e-12, torch.float64: 1e-16}


def _lbfgs(X: np.ndarray, y: np.ndarray, weight_decay: float, n_classes: int,
           device: torch.device | str, max_iter: int, tolerance: float, dtype: torch.dtype,
           init: LinearModel | None) -> LinearModel:
    """One L-BFGS run of :func:`fit_logistic` in ``dtype``, its loss summed in float64.

    The run solves the same problem in other coordinates: the vectors centred, and the
    bias as ``bias_scale * beta`` (:func:`_bias_scale`). With uncentred vectors the bias
    and the weights along the vectors' mean move together, and a decayed weight is far
    stiffer than the undecayed bias; either way L-BFGS creeps along the soft direction
    for hundreds of iterations. The model and its gradient are returned in the caller's
    coordinates: ``logits = X W.T + b`` with ``b = bias_scale * beta - W mean``.
    """
    X_t = torch.as_tensor(np.asarray(X), device=device, dtype=dtype)
    mean = X_t.mean(dim=0)
    centred = X_t - mean
    y_t = torch.as_tensor(np.asarray(y, dtype=np.int64), device=device)
    scale = _bias_scale(weight_decay, n_classes)
    W = torch.zeros((n_classes, X_t.shape[1]), dtype=dtype, device=device)
    beta = torch.zeros(n_classes, dtype=dtype, device=device)
    if init is not None:
        W = init.W.to(device, dtype).clone()
        beta = (init.b.to(device, dtype) + W @ mean) / scale
    W.requires_grad_(True)
    beta.requires_grad_(True)
    # L-BFGS stops on its own coordinates' gradient; at this tolerance the caller's is below
    # ``tolerance`` too (see the end: |dW| <= |dW'| + |dbeta| max|mean|, as scale >= 1)
    own_tolerance = tolerance / (1.0 + float(mean.abs().max()))
    optimiser = torch.optim.LBFGS([W, beta], lr=1.0, max_iter=max_iter, history_size=20,
                                  tolerance_grad=own_tolerance,
                                  tolerance_change=_LOSS_CHANGE_TOLERANCE[dtype],
                                  line_search_fn="strong_wolfe")

    def objective():
        optimiser.zero_grad()
        loss = (torch.nn.functional.cross_entropy((centred @ W.T + scale * beta).double(),
                                                  y_t)
                + 0.5 * weight_decay * (W.double() ** 2).sum())
        loss.backward()
        return loss

    optimiser.step(objective)
    objective()  # the gradient where the fit ended: did it reach the tolerance?
    # the gradient in the caller's coordinates: b's is beta's over the scale, and W's
    # gains b's times the mean (b = scale * beta - W mean)
    bias_gradient = beta.grad / scale
    weight_gradient = W.grad + torch.outer(bias_gradient, mean)
    max_gradient = max(float(weight_gradient.abs().max()), float(bias_gradient.abs().max()))
    iterations = int(optimiser.state[optimiser.param_groups[0]["params"][0]].get("n_iter", 0))
    W = W.detach()
    return LinearModel(W, scale * beta.detach() - W @ mean, iterations, max_gradient)


def _bias_scale(weight_decay: float, n_classes: int) -> float:
    """How much larger the bias is than the variable L-BFGS moves: enough that the bias's
    curvature, about p (1 - p) with p = 1 / n_classes near the start, matches the decayed
    weights' (at least ``weight_decay``), so that one step size suits both."""
    spread = (n_classes - 1) / n_classes ** 2
    return float(np.sqrt(1.0 + weight_decay / spread))


def logistic_path(X: np.ndarray, y: np.ndarray, weight_decays: Iterable[float], **kwargs
                  ) -> dict[float, LinearModel]:
    """:func:`fit_logistic` for every weight decay, from the largest down, each warm-started
    from the previous solution (strongly regularised problems are the easy ones)."""
    models, previous = {}, None
    for decay in sorted(weight_decays, reverse=True):
        previous = models[decay] = fit_logistic(X, y, decay, init=previous, **kwargs)
    return models


def logistic_sweep(train: np.ndarray, train_labels: np.ndarray, valid: np.ndarray,
                   valid_labels: np.ndarray, weight_decays: Iterable[float], *,
                   test: np.ndarray | None = None, test_labels: np.ndarray | None = None,
                   solve_scale: float = 1.0, **kwargs) -> tuple[list[dict], dict]:
    """Fit :func:`logistic_path`, pick the weight decay by validation accuracy and report
    every fit's accuracy on the test split too, which the choice never sees.

    Ties go to the larger weight decay, the simpler model.

    ``solve_scale`` changes how the fits are solved, not what they are: each is solved on
    the vectors divided by it at its decay divided by its square, which is the same
    problem (the weights come out ``solve_scale`` times larger and every prediction is
    unchanged) but conditioned like vectors of that norm, so that one gradient tolerance
    means the same for representations of any scale. The rows name the decays as given.

    Returns:
        ``(sweep, best)``: one dict per weight decay with ``weight_decay``, ``train_acc``,
        ``valid_acc``, ``test_acc`` (NaN without a test split), ``iterations`` and
        ``max_gradient`` (:class:`LinearModel`, of the problem as solved), and the chosen
        one.
    """
    if not solve_scale > 0:
        raise ValueError(f"solve_scale must be > 0, got {solve_scale}")
    grid = sorted(set(weight_decays), reverse=True)
    fits, _ = _fits_with_hits(train / solve_scale, train_labels, valid / solve_scale,
                              valid_labels, {decay: decay / solve_scale ** 2 for decay in grid},
                              None if test is None else test / solve_scale, test_labels,
                              **kwargs)
    sweep = [{"weight_decay": decay, **fits[decay]} for decay in grid]
    return sweep, best_decay(sweep, weight_decays)


def _fits_with_hits(train, train_labels, valid, valid_labels, solved: Mapping[object, float],
                    test, test_labels, **kwargs
                    ) -> tuple[dict[object, dict], dict[object, np.ndarray]]:
    """Fits named by the keys of ``solved``, each solved at the decay it maps to, along one
    warm-started path (:func:`logistic_path`, a decay that several keys share fitted once),
    on vectors already divided by :func:`logistic_sweep`'s ``solve_scale``.

    Returns:
        ``(scores, hits)``: key -> its fit's ``train_acc``, ``valid_acc``, ``test_acc``
        (NaN without a test split), ``iterations`` and ``max_gradient``; key -> which test
        rows its fit gets right (empty without a test split).
    """
    models = logistic_path(train, train_labels, set(solved.values()), **kwargs)
    hits = ({} if test is None else
            {decay: model.hits(test, test_labels) for decay, model in models.items()})
    scores = {decay: {"train_acc": model.accuracy(train, train_labels),
                      "valid_acc": model.accuracy(valid, valid_labels),
                      "test_acc": float(hits[decay].mean()) if hits else np.nan,
                      "iterations": model.iterations, "max_gradient": model.max_gradient}
              for decay, model in models.items()}
    return ({key: scores[decay] for key, decay in solved.items()},
            {key: hits[decay] for key, decay in solved.items()} if hits else {})


def best_decay(sweep: Sequence[Mapping[str, float]], grid: Iterable[float]) -> dict:
    """The fit of ``sweep`` with the best validation accuracy among the decays of ``grid``
    (ties to the larger decay), with ``decay_at_edge``: whether its decay is the grid's
    largest, or its smallest when that is not 0 (no penalty, beyond which a grid cannot
    go), where a wider grid might have chosen beyond it."""
    grid = sorted(set(grid))
    best = max((row for row in sweep if row["weight_decay"] in grid),
               key=lambda row: (row["valid_acc"], row["weight_decay"]))
    edges = {grid[-1]} | ({grid[0]} if grid[0] > 0 else set())
    return {**best, "decay_at_edge": best["weight_decay"] in edges}


# how the logistic read-out sees a representation: as given (what the paper's text
# describes), or divided by the RMS norm of the labelled vectors (one grid meaning the
# same for every representation)
SCALINGS = ("given", "rms")


def logistic_classifier(scaling: str, wide: bool) -> str:
    """The evaluation table's name of a logistic read-out: ``logistic`` (as given, the
    paper's grid), ``logistic_wide`` (as given, both grids), ``logistic_rms`` and
    ``logistic_rms_wide`` (RMS-scaled)."""
    if scaling not in SCALINGS:
        raise ValueError(f"unknown scaling {scaling!r}; allowed: {', '.join(SCALINGS)}")
    return "logistic" + ("_rms" if scaling == "rms" else "") + ("_wide" if wide else "")


@dataclass
class SeedEvaluation:
    """One labelled-subset seed's evaluation of a representation (:func:`evaluate_seeds`).

    Attributes:
        nn_accuracy: metric -> k -> 1-NN test accuracy (NaN without a test split).
        sweep: one row per k, scaling and weight decay (:func:`logistic_sweep`'s), with
            ``k`` and ``scaling``.
        chosen: the chosen fits per k (:func:`best_decay`), each with ``k`` and its
            ``classifier`` (:func:`logistic_classifier`): from the paper's grid and, with
            wider decays, from both grids, for both :data:`SCALINGS`.
        nn_valid_accuracy: metric -> k -> 1-NN validation accuracy.
        test_hits: (classifier, k) -> (M,) bool, which test rows it gets right (``knn_*``
            and the chosen logistic fits; empty without a test split).
    """

    nn_accuracy: dict[str, dict[int, float]]
    sweep: list[dict]
    chosen: list[dict]
    nn_valid_accuracy: dict[str, dict[int, float]] | None = None
    test_hits: dict[tuple[str, int], np.ndarray] = field(default_factory=dict)


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


def evaluate_seeds(train: np.ndarray, train_labels: np.ndarray, valid: np.ndarray,
                   valid_labels: np.ndarray, subsets: Mapping[int, Mapping[int, np.ndarray]],
                   weight_decays: Iterable[float], *, test: np.ndarray | None = None,
                   test_labels: np.ndarray | None = None, wider_decays: Iterable[float] = (),
                   device: torch.device | str = "cpu", max_iter: int = 500,
                   chunk_size: int = 1000,
                   progress: Callable[[int, int, dict, dict], None] | None = None
                   ) -> dict[int, SeedEvaluation]:
    """1-NN (every metric) and the logistic sweeps of one representation for the labelled
    subsets of several seeds, each evaluated on all of ``valid`` and of ``test``: the
    weight decay is chosen on the validation split, and the test split, which no choice
    sees, gives the accuracies to report.

    ``train`` holds the union of every seed's labelled images, so the products of the
    query vectors with them are computed once for all seeds
    (:func:`nearest_neighbour_hits`); the seeds' pools overlap, so the union is much
    smaller than their sum. The logistic fits see each seed's labelled vectors twice
    (:data:`SCALINGS`): as given, and divided by their :func:`rms_scale` (which changes no
    nearest neighbour), exactly as a run of that seed alone; both are solved on the scaled
    vectors (:func:`logistic_sweep`'s ``solve_scale``), so that one gradient tolerance holds
    for every fit.

    Args:
        train: (N, d) the union of the labelled training vectors.
        train_labels: (N,) their classes.
        valid: (M, d) validation vectors, on which the decay is chosen.
        valid_labels: (M,) their classes.
        subsets: seed -> k -> row indices into ``train`` (nested within a seed, the largest
            holding the others).
        test, test_labels: the test split's vectors and classes (NaN accuracies without).
        weight_decays: the logistic grid (:func:`logistic_sweep`): the paper's.
        wider_decays: more decays fitted beside it (0 is no penalty); with any, each k also
            gets the best fit over both grids (``logistic_wide``, ``logistic_rms_wide``).
        device: where the distances and fits run.
        max_iter: L-BFGS iterations per fit.
        chunk_size: query rows per distance block.
        progress: called after each seed's k as ``progress(seed, k, nn, best)`` (1-NN test
            accuracy per metric, and the chosen ``logistic`` fit).

    Returns:
        seed -> :class:`SeedEvaluation`.
    """
    paper_grid, wider = list(weight_decays), list(wider_decays)
    grids = {False: paper_grid, **({True: paper_grid + wider} if wider else {})}
    flat = {(seed, k): rows for seed, by_k in subsets.items() for k, rows in by_k.items()}
    n_classes = int(max(np.max(train_labels), np.max(valid_labels),
                        *([] if test_labels is None else [np.max(test_labels)]))) + 1

    def nearest_on(queries, labels):
        if queries is None:
            return {}
        return nearest_neighbour_hits(train, train_labels, queries, labels, flat, METRICS,
                                      device=device, chunk_size=chunk_size)

    hits_valid, hits_test = nearest_on(valid, valid_labels), nearest_on(test, test_labels)
    results = {}
    for seed, by_k in subsets.items():
        rms = rms_scale(train[np.unique(np.concatenate(list(by_k.values())))])
        nn_hits = {(f"knn_{metric}", k): hits_test[metric][seed, k]
                   for metric in hits_test for k in by_k}
        nn_accuracy, nn_valid = ({metric: {k: float(hits[metric][seed, k].mean()) if hits
                                           else np.nan for k in by_k} for metric in METRICS}
                                 for hits in (hits_test, hits_valid))
        result = SeedEvaluation(nn_accuracy, [], [], nn_valid, nn_hits)
        # both scalings are solved on the RMS-scaled vectors (logistic_sweep's solve_scale),
        # so every fit meets one gradient tolerance (as given, each decay divided by rms^2),
        # and along one path: their decays interleave, so each warm start is near, and a
        # decay they share (0) is fitted once
        scaled_valid, scaled_test = valid / rms, None if test is None else test / rms
        solved = {(scaling, decay): decay / (rms ** 2 if scaling == "given" else 1.0)
                  for scaling in SCALINGS
                  for decay in sorted(set(paper_grid + wider), reverse=True)}
        for k, rows in by_k.items():
            fits, fit_hits = _fits_with_hits(
                train[rows] / rms, train_labels[rows], scaled_valid, valid_labels, solved,
                scaled_test, test_labels, device=device, max_iter=max_iter,
                n_classes=n_classes)
            for scaling in SCALINGS:
                scores = [{"weight_decay": decay, **fits[named, decay]}
                          for named, decay in solved if named == scaling]
                result.sweep += [{"k": k, "scaling": scaling, **row} for row in scores]
                for wide, grid in grids.items():
                    classifier = logistic_classifier(scaling, wide)
                    best = best_decay(scores, grid)
                    result.chosen.append({"k": k, "classifier": classifier, **best})
                    if fit_hits:
                        result.test_hits[classifier, k] = fit_hits[scaling,
                                                                   best["weight_decay"]]
            if progress is not None:
                progress(seed, k, {metric: by_k_acc[k] for metric, by_k_acc
                                   in nn_accuracy.items()},
                         next(row for row in result.chosen
                              if row["k"] == k and row["classifier"] == "logistic"))
        results[seed] = result
    return results


def bootstrap_intervals(hits: Mapping[int, Mapping[tuple, np.ndarray]], resamples: int,
                        seed: int, level: float = 0.95) -> dict[tuple, tuple[float, float]]:
    """Percentile bootstrap intervals of accuracies averaged over labelled-subset seeds.

    Each resample draws the seeds with replacement and the test images with replacement
    (the same images for every seed, as every seed is tested on the whole split), so the
    interval holds both sources of spread. The draws depend only on ``seed``, the number of
    seeds and the number of test images, so every representation evaluated with the same
    ``seed`` is resampled alike.

    Args:
        hits: labelled-subset seed -> key -> (M,) bool, which test rows are right; every
            seed has the same keys.
        resamples: bootstrap resamples.
        seed: seeds the draws.
        level: the intervals' coverage.

    Returns:
        key -> (low, high) of the mean accuracy over the seeds.
    """
    if not 0 < level < 1:
        raise ValueError(f"level must lie in (0, 1), got {level}")
    if resamples < 1:
        raise ValueError(f"resamples must be >= 1, got {resamples}")
    seeds = sorted(hits)
    keys = sorted(hits[seeds[0]]) if seeds else []
    if not keys:
        return {}
    n_images = len(hits[seeds[0]][keys[0]])
    rng = np.random.default_rng(seed)
    image_counts = rng.multinomial(n_images, np.full(n_images, 1.0 / n_images),
                                   size=resamples).T.astype(np.float64)  # (M, resamples)
    seed_draws = rng.integers(0, len(seeds), size=(resamples, len(seeds)))
    stacked = np.stack([hits[s][key] for key in keys for s in seeds]).astype(np.float64)
    per_seed = (stacked @ image_counts / n_images).reshape(len(keys), len(seeds), resamples)
    columns = np.arange(resamples)[:, None]
    tail = 100 * (1 - level) / 2
    intervals = {}
    for key, by_seed in zip(keys, per_seed, strict=True):
        means = by_seed[seed_draws, columns].mean(axis=1)
        low, high = np.percentile(means, [tail, 100 - tail])
        intervals[key] = (float(low), float(high))
    return intervals


def unconverged_fits(results: Mapping[int, SeedEvaluation],
                     tolerance: float = GRADIENT_TOLERANCE) -> list[dict]:
    """The logistic fits of ``results`` whose largest gradient entry ended above
    ``tolerance`` (at the iteration cap, or stopped by L-BFGS' other rules)."""
    return [row for result in results.values() for row in result.sweep
            if row["max_gradient"] > tolerance]


def evaluation_rows(representation: str, lam: float | None, seed: int,
                    nn_accuracy: Mapping[str, Mapping[int, float]],
                    logistic: Sequence[Mapping[str, float]], mu: float | None = None,
                    dictionary_seed: int | None = None,
                    nn_valid_accuracy: Mapping[str, Mapping[int, float]] | None = None
                    ) -> list[dict]:
    """Tidy rows in the evaluation table's columns (see :data:`TABLE_COLUMNS`).

    Args:
        representation: pixels, sparse, mlp or random.
        lam: the sparse code's lambda, None otherwise.
        seed: the labelled-subset seed.
        nn_accuracy: metric -> k -> test accuracy.
        logistic: dicts with k, weight_decay, decay_at_edge, train_acc, valid_acc, test_acc
            and optionally classifier (default ``logistic``): the chosen decays.
        mu: the overlap penalty of the sparse code's dictionary (0 for the paper's), None
            otherwise.
        dictionary_seed: the dictionary seed of the sparse code's dictionary, None otherwise.
        nn_valid_accuracy: metric -> k -> validation accuracy, when measured.
    """
    base = {"representation": representation, "lam": lam, "mu": mu, "seed": seed,
            "dictionary_seed": dictionary_seed}
    valid = nn_valid_accuracy or {}
    rows = [{**base, "classifier": f"knn_{metric}", "k": k, "weight_decay": None,
             "decay_at_edge": None, "train_acc": None,
             "valid_acc": valid.get(metric, {}).get(k, np.nan), "test_acc": acc}
            for metric, by_k in nn_accuracy.items() for k, acc in by_k.items()]
    rows += [{**base, "classifier": "logistic", "decay_at_edge": None, "valid_acc": np.nan,
              **row} for row in logistic]
    return [{col: row[col] for col in TABLE_COLUMNS} for row in rows]


def interval_rows(representation: str, lam: float | None,
                  intervals: Mapping[tuple[str, int], tuple[float, float]],
                  mu: float | None = None, dictionary_seed: int | None = None) -> list[dict]:
    """Tidy rows of :func:`bootstrap_intervals`' ``(classifier, k)`` intervals, named as
    :func:`evaluation_rows` names a run (:data:`INTERVAL_COLUMNS`)."""
    return [{"representation": representation, "lam": lam, "mu": mu,
             "dictionary_seed": dictionary_seed, "classifier": classifier, "k": k,
             "test_low": low, "test_high": high}
            for (classifier, k), (low, high) in intervals.items()]


def with_intervals(summary: pd.DataFrame, intervals: pd.DataFrame, keys: Sequence[str]
                   ) -> pd.DataFrame:
    """``summary`` (:func:`seed_summary`) with the ``test_low`` and ``test_high`` of the
    ``intervals`` rows (:func:`interval_rows`) that share its ``keys`` (NaN where none);
    missing keys, such as the pixels' lambda, match each other."""
    intervals = intervals[[*keys, "test_low", "test_high"]].astype({
        key: summary[key].dtype for key in keys})
    return summary.merge(intervals, on=list(keys), how="left", validate="one_to_one")


INTERVAL_COLUMNS = ("representation", "lam", "mu", "dictionary_seed", "classifier", "k",
                    "test_low", "test_high")
TABLE_COLUMNS = ("representation", "lam", "mu", "classifier", "k", "seed", "weight_decay",
                 "decay_at_edge", "train_acc", "valid_acc", "test_acc", "dictionary_seed")


def seed_summary(runs: pd.DataFrame, keys: Sequence[str]) -> pd.DataFrame:
    """Mean and spread over the labelled-subset seeds of evaluation runs.

    Args:
        runs: tidy evaluation rows (:func:`evaluation_rows`): ``seed``, ``train_acc``,
            ``test_acc`` and the ``keys`` columns.
        keys: the columns a summary row stands for, e.g. representation, lam, classifier, k.

    Returns:
        One row per combination of ``keys`` (missing values, such as the lambda of a
        representation without one, form their own group) with ``n_seeds``,
        ``train_mean``, ``train_std``, ``valid_mean`` and ``valid_std`` (where the runs
        have validation accuracies), ``test_mean``, ``test_std`` and, where the runs say
        so, ``edge_fraction``: the share of seeds whose chosen weight decay sits on its
        grid's edge (empty for the nearest neighbours).
    """
    columns = {"n_seeds": ("seed", "nunique"), "train_mean": ("train_acc", "mean"),
               "train_std": ("train_acc", "std")}
    if "valid_acc" in runs:
        columns |= {"valid_mean": ("valid_acc", "mean"), "valid_std": ("valid_acc", "std")}
    columns |= {"test_mean": ("test_acc", "mean"), "test_std": ("test_acc", "std")}
    if "decay_at_edge" in runs:
        runs = runs.assign(decay_at_edge=runs["decay_at_edge"].astype(float))
        columns["edge_fraction"] = ("decay_at_edge", "mean")
    return runs.groupby(list(keys), dropna=False).agg(**columns).reset_index()
