"""Logging for the workflow's scripts: one log file per job, echoed to stderr."""

from __future__ import annotations

import logging
import os
import platform
import sys

MACHINE_PREFIX = "machine: "


def machine_description() -> str:
    """Host name, CPU count and GPU of the machine running this process.

    The GPU is named only when torch is already imported (every GPU-capable script imports
    it first), so that describing the machine never pays for importing torch.
    """
    gpu = "no GPU"
    torch = sys.modules.get("torch")
    if torch is not None and torch.cuda.is_available():
        gpu = torch.cuda.get_device_name(0)
    return f"{platform.node()}, {os.cpu_count()} CPUs, {gpu}"


def job_logger(log_path: str | os.PathLike | None, name: str) -> logging.Logger:
    """A logger writing timestamped lines to ``log_path`` (when given) and to stderr.

    Its first line names the machine the job runs on (see :func:`machine_description`), so
    a run spread over a cluster records where each job ran. Python's warnings and the
    traceback of an uncaught exception go to the same places.
    """
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
    # warnings and an uncaught exception's traceback belong in the job's log too
    logging.captureWarnings(True)
    warnings_logger = logging.getLogger("py.warnings")
    warnings_logger.handlers = list(handlers)
    warnings_logger.propagate = False

    def log_uncaught(kind, error, traceback):
        logger.error("uncaught %s", kind.__name__, exc_info=(kind, error, traceback))

    sys.excepthook = log_uncaught
    logger.info("%s%s", MACHINE_PREFIX, machine_description())
    return logger
