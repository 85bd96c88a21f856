"""The online learner's state kept on disk while it runs, so that a stopped job resumes.

A dictionary job can run for hours, longer than a batch system's time limit or a session
at a shared machine. :class:`Checkpoint` writes the learner's state
(:class:`sparsesens.dictionary.online.LearnerState`) at most every few minutes; the next
run of the same job, on the same images with the same settings and code (its
fingerprint), goes on from the last state kept, bit for bit, instead of from the start.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import time
from pathlib import Path

from sparsesens import io
from sparsesens.dictionary.online import LearnerState


def fingerprint(**parts: object) -> str:
    """SHA-256 (hex) of ``parts`` as canonical JSON: what a kept state must match."""
    text = json.dumps(parts, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


class Checkpoint:
    """A learner's kept state at ``path``, written at most every ``every_minutes``.

    Use ``resume()`` as the learner's ``resume``, the object itself as its ``on_state``,
    and ``discard()`` once the result is written.

    Args:
        path: the state file (HDF5).
        fingerprint: names the run the state belongs to (:func:`fingerprint`).
        every_minutes: least time between two writes; 0 keeps nothing.
        log: where resuming and keeping are said.
    """

    def __init__(self, path: str | os.PathLike, fingerprint: str, every_minutes: float,
                 log: logging.Logger) -> None:
        if every_minutes < 0:
            raise ValueError(f"every_minutes must be >= 0, got {every_minutes}")
        self.path, self.fingerprint, self.log = Path(path), fingerprint, log
        self.every_seconds = 60.0 * every_minutes
        self._last = time.monotonic()

    def resume(self) -> LearnerState | None:
        """The state kept by an earlier run of the same fingerprint, else None (the log
        says why)."""
        fields, why = io.read_learner_state(self.path, self.fingerprint)
        self.log.info("%s", why)
        if fields is None:
            return None
        state = LearnerState(**fields)
        self.log.info("going on after epoch %d (%.0f s of learning kept)", state.epoch,
                      state.seconds[-1])
        return state

    def __call__(self, state: LearnerState) -> None:
        """Write ``state`` (atomically) when the last write is ``every_minutes`` old."""
        if not self.every_seconds or time.monotonic() - self._last < self.every_seconds:
            return
        io.write_learner_state(self.path, state, self.fingerprint)
        self._last = time.monotonic()
        self.log.info("state after epoch %d kept in %s", state.epoch, self.path)

    def discard(self) -> None:
        """Remove the kept state (the job's result now stands for it)."""
        self.path.unlink(missing_ok=True)
