"""Logging for the workflow's scripts: one log file per job, echoed to stderr."""

from __future__ import annotations

import logging
import os
import sys


def job_logger(log_path: str | os.PathLike | None, name: str) -> logging.Logger:
    """A logger writing timestamped lines to ``log_path`` (when given) and to stderr."""
    logger = logging.getLogger(f"sparsesens.{name}")
    logger.setLevel(logging.INFO)
    logger.handlers.clear()
    fmt = logging.Formatter("%(asctime)s %(levelname)s %(message)s", "%Y-%m-%d %H:%M:%S")
    handlers: list[logging.Handler] = [logging.StreamHandler(sys.stderr)]
    if log_path:
        os.makedirs(os.path.dirname(os.fspath(log_path)) or ".", exist_ok=True)
        handlers.append(logging.FileHandler(log_path, mode="w"))
    for handler in handlers:
        handler.setFormatter(fmt)
        logger.addHandler(handler)
    logger.propagate = False
    return logger
