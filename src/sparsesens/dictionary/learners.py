"""Both dictionary learners behind one call: :func:`learn` takes a learner's settings (the
``dictionary`` section as :func:`sparsesens.pipeline.settings.dictionary_settings` gives it) and
returns a :class:`LearnedDictionary`, whichever learner the settings name.

- ``online`` (:func:`sparsesens.dictionary.online.learn_dictionary_online`): the default;
  it can start from another dictionary (continuation) and keep its state while it runs.
- ``paper`` (:func:`sparsesens.dictionary.paper.learn_dictionary`): the paper's full-batch
  alternating algorithm (Section 2.1), from the seeded draw, without a kept state.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch

from sparsesens.dictionary.online import (
    LearnerState,
    epoch_tolerance,
    learn_dictionary_online,
    relative_change,
)
from sparsesens.dictionary.options import OnlineOptions
from sparsesens.dictionary.paper import learn_dictionary

METHODS = ("online", "paper")


@dataclass
class LearnedDictionary:
    """What a learner gives back, the same for both.

    Attributes:
        D: (m, n_atoms) float64 dictionary with unit-norm columns.
        objective: objective per image after each step (an epoch of the online learner, an
            iteration of the paper's).
        seconds: wall time since the start at the end of each step.
        converged: True when the learner's own rule stopped it before its cap.
        record: what this learner alone reports (steps run, resampled atoms, accepted
            steps...), stored with the dictionary as attributes.
    """

    D: np.ndarray
    objective: np.ndarray
    seconds: np.ndarray
    converged: bool
    record: dict[str, Any] = field(default_factory=dict)


def learn(X: np.ndarray, lam: float, settings: Mapping[str, Any], *, seed: int,
          device: torch.device | str = "cpu", initial: np.ndarray | None = None,
          resume: LearnerState | None = None,
          on_state: Callable[[LearnerState], None] | None = None,
          log: logging.Logger | None = None) -> LearnedDictionary:
    """Learn the dictionary of ``lam`` for images ``X`` (N, m) with the learner that
    ``settings["method"]`` names.

    Args:
        X: (N, m) training images.
        lam: sparsity weight of Eq. 1, > 0.
        settings: ``method``, ``n_atoms``, ``orthogonality`` and the chosen learner's keys:
            ``online`` (a mapping of :class:`sparsesens.dictionary.options.OnlineOptions`'
            fields; those it leaves out keep their defaults) for the online learner;
            ``max_iter``, the learning rates, ``rel_tol``, ``window`` and ``dtype`` for the
            paper's.
        seed: seeds the initial draw and every other random choice of the learner.
        device: where the arithmetic runs.
        initial: a dictionary to start from (continuation; online learner only).
        resume, on_state: the online learner's kept state to go on from, and where each
            epoch's state goes (:class:`sparsesens.dictionary.checkpoint.Checkpoint`); the paper's
            learner keeps none, so ``resume`` must be None for it.
        log: where progress is said (every epoch, or about 50 times over the iterations).

    Returns:
        A :class:`LearnedDictionary`.
    """
    method = settings.get("method")
    if method not in METHODS:
        raise ValueError(f"unknown dictionary learner {method!r}; allowed: {', '.join(METHODS)}")
    log = log or logging.getLogger(__name__)
    if method == "online":
        return _learn_online(X, lam, settings, seed, device, initial, resume, on_state, log)
    if initial is not None or resume is not None:
        raise ValueError("the paper's learner starts from its seeded draw: it takes no "
                         "initial dictionary and no kept state")
    return _learn_paper(X, lam, settings, seed, device, log)


def _learn_online(X, lam, settings, seed, device, initial, resume, on_state, log
                  ) -> LearnedDictionary:
    options = OnlineOptions.from_mapping(settings["online"])
    rule = epoch_tolerance(len(X), options.batch_size, options.rel_tol)
    curve = [] if resume is None else list(resume.objective)

    def report_epoch(epoch, value, seconds):
        curve.append(value)
        change = relative_change(curve)
        # the first epoch has no change to report yet
        change_text = f"{change:.1e}" if np.isfinite(change) else "-"
        log.info("epoch %4d  objective per image %.6g  change %s per epoch (stops at %.1e; "
                 "%d epochs to the cap)  (%.0f s)", epoch, value, change_text, rule,
                 options.max_epochs - epoch, seconds)

    result = learn_dictionary_online(
        X, lam, options, n_atoms=settings["n_atoms"], seed=seed,
        orthogonality=settings["orthogonality"], initial=initial, device=device,
        resume=resume, on_state=on_state, progress=report_epoch,
        on_resample=lambda e, n: log.warning("epoch %d: %d unused atoms resampled", e, n))
    if result.n_unused:
        log.warning("%d atoms are used by no training code at the end", result.n_unused)
    return LearnedDictionary(
        result.D, result.objective, result.seconds, result.converged,
        {"epochs": result.epochs, "n_resampled": result.n_resampled,
         "n_unused": result.n_unused, "extrapolations": result.extrapolations})


def _learn_paper(X, lam, settings, seed, device, log) -> LearnedDictionary:
    max_iter = settings["max_iter"]
    every = max(1, max_iter // 50)

    def report(iteration, loss):
        if iteration % every == 0 or iteration == 1:
            log.info("iteration %6d/%d  loss per image %.6g", iteration, max_iter, loss)

    result = learn_dictionary(
        X, lam, n_atoms=settings["n_atoms"], max_iter=max_iter,
        lr_codes=settings["lr_codes"], lr_dictionary=settings["lr_dictionary"],
        lr_increase=settings["lr_increase"], lr_decrease=settings["lr_decrease"],
        rel_tol=settings["rel_tol"], window=settings["window"], seed=seed,
        orthogonality=settings["orthogonality"], device=device, dtype=settings["dtype"],
        progress=report)
    return LearnedDictionary(
        result.D, result.loss, result.seconds, result.converged,
        {"iterations": result.iterations, "dtype": settings["dtype"],
         "accepted_codes": result.lr_codes.accepted,
         "rejected_codes": result.lr_codes.rejected,
         "accepted_dictionary": result.lr_dictionary.accepted,
         "rejected_dictionary": result.lr_dictionary.rejected})
