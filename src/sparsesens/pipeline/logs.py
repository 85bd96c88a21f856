"""Logging for the workflow's scripts: one log file per job, echoed to stderr."""

from __future__ import annotations

import logging
import os
import platform
import sys
import time

MACHINE_PREFIX = "machine: "


# The fixed product whose time says how fast a machine is, so that times measured on
# different machines can be set side by side: (1000 x 784) @ (784 x 784) in float32, the
# shape of one minibatch's correlations in the learner and of a chunk in the encoder.
PRODUCT_SHAPE = (1000, 784, 784)
PRODUCT_LABEL = "1000x784x784 float32 product"
SPEED_SEPARATOR = " | "


def product_milliseconds(repeats: int = 3) -> float:
    """Best wall time, in ms, of :data:`PRODUCT_SHAPE`'s product with torch on the CPU,
    with the threads torch uses here (after one untimed product)."""
    import torch

    rows, inner, cols = PRODUCT_SHAPE
    generator = torch.Generator().manual_seed(0)
    left = torch.rand((rows, inner), generator=generator)
    right = torch.rand((inner, cols), generator=generator)
    left @ right
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        left @ right
        best = min(best, time.perf_counter() - start)
    return 1e3 * best


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


def machine_line(measure: bool | None = None) -> str:
    """:func:`machine_description`, then ``SPEED_SEPARATOR`` and the time of
    :data:`PRODUCT_SHAPE`'s product when ``measure`` (None: when torch is already
    imported)."""
    if measure is None:
        measure = "torch" in sys.modules
    if not measure:
        return machine_description()
    return (f"{machine_description()}{SPEED_SEPARATOR}{PRODUCT_LABEL} "
            f"{product_milliseconds():.1f} ms")


def product_ms_of(line: str) -> float:
    """The product's time (ms) in a :func:`machine_line`, NaN when it has none."""
    _, _, speed = line.partition(SPEED_SEPARATOR)
    try:
        return float(speed.removeprefix(PRODUCT_LABEL).strip().removesuffix("ms"))
    except ValueError:
        return float("nan")


def job_logger(log_path: str | os.PathLike | None, name: str) -> logging.Logger:
    """A logger writing timestamped lines to ``log_path`` (when given) and to stderr.

    Its first line names the machine the job runs on and, once torch is imported, its
    speed (see :func:`machine_line`), so a run spread over a cluster records where each job
    ran and how fast that machine was. Python's warnings and the
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
        # the traceback goes to the log file; the console and the log's last line get one
        # line that says what failed (the error messages say what to do)
        summary = f"failed: {kind.__name__}: {error}"
        files = [handler for handler in handlers if isinstance(handler, logging.FileHandler)]
        if files:
            summary += f" (traceback in {log_path})"
        for handler in files or handlers:
            handler.handle(logger.makeRecord(logger.name, logging.ERROR, __file__, 0,
                                             "uncaught %s", (kind.__name__,),
                                             (kind, error, traceback)))
        logger.error("%s", summary)

    sys.excepthook = log_uncaught
    logger.info("%s%s", MACHINE_PREFIX, machine_line())
    return logger
