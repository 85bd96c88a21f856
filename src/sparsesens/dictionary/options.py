"""The settings of the online learner
(:func:`sparsesens.dictionary.online.learn_dictionary_online`), with their defaults in this
one place: ``config.yaml``'s ``dictionary.online`` states the same values (a test keeps them
equal)."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class OnlineOptions:
    """How the online learner visits codes and when it stops.

    Attributes:
        batch_size: images per minibatch (one dictionary sweep each).
        code_steps: proximal steps per visit of a code that the polish did not settle.
        polish_rounds: active-set rounds per polish attempt (0: proximal steps only).
        max_epochs: cap on passes over the data.
        rel_tol: stop once F moved by less than this fraction of its value per dictionary
            sweep (minibatch), averaged over an epoch (0 runs to the cap).
        max_seconds: stop after the first epoch that ends past this wall time (None: no
            limit); benchmarks use it to give every learner the same budget.
        polish_max_support: rows whose stored code has more atoms skip the polish: its cost
            grows with the cube of the support, and beyond this size a round costs more
            than the proximal steps it would save.
        lars_max_support: rows the polish leaves follow their exact LARS-lasso paths from
            zero (the compiled kernel, on the CPU) while their supports stay within this
            many atoms; 0 turns the paths off.
    """

    batch_size: int = 1000
    code_steps: int = 20
    polish_rounds: int = 3
    max_epochs: int = 200
    rel_tol: float = 2e-6
    max_seconds: float | None = None
    polish_max_support: int = 128
    lars_max_support: int = 64

    def __post_init__(self) -> None:
        for name in ("batch_size", "code_steps", "max_epochs", "polish_max_support"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be >= 1, got {getattr(self, name)}")
        for name in ("polish_rounds", "lars_max_support", "rel_tol"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must be >= 0, got {getattr(self, name)}")
        if self.max_seconds is not None and not self.max_seconds >= 0:
            raise ValueError(f"max_seconds must be >= 0 or None, got {self.max_seconds}")

    @classmethod
    def from_mapping(cls, settings: Mapping[str, Any]) -> OnlineOptions:
        """The options that ``settings`` (for instance ``dictionary.online`` of the
        configuration, less the workflow's own keys) names; the others keep their
        defaults. An unknown key is refused by name."""
        allowed = [field.name for field in dataclasses.fields(cls)]
        unknown = sorted(set(settings) - set(allowed))
        if unknown:
            raise ValueError(f"unknown online learner settings {unknown}; allowed: "
                             f"{', '.join(allowed)}")
        return cls(**settings)
