"""The compiled kernels (``lars.cpp``: the LARS-lasso path and the active-set polish, one
image at a time): built on first use, then loaded from a cache.

The kernel is plain C++17 with threads and no dependency but the standard library; it is
compiled with the system's C++ compiler (``CXX``, else ``c++``), the same one that builds
elasticdeform at install, into ``$SPARSESENS_CACHE`` (default
``~/.cache/sparsesens``), under a name that carries the hash of the source, the flags and
the compiler's version: a changed kernel or compiler builds anew, and concurrent jobs
that build at once each write their own file and rename it into place. Where no compiler
works, or ``SPARSESENS_NATIVE=0``, :func:`available` is False and the encoder uses its
batched solvers alone; a failed build says why in a warning (which a job's log records).
"""

from __future__ import annotations

import ctypes
import functools
import hashlib
import logging
import os
import shlex
import subprocess
import tempfile
import warnings
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)

SOURCE = Path(__file__).with_name("lars.cpp")
# SHA-256 of lars.cpp: the workflow's code hashes see Python only, so a changed kernel
# must change this line for the rules that encode to run again; the kernel is not built
# from a source that does not match it (and a test keeps it current)
SOURCE_SHA256 = "b2b2e0dc72110b99adedf46027b07e4becb63a9ab33b5504b2ebfe3375970b5e"
# portable code (no -march=native): a cache shared by a cluster's nodes may serve CPUs of
# several kinds
_FLAGS = ("-O3", "-std=c++17", "-shared", "-fPIC", "-pthread")


def _compiler() -> list[str]:
    return shlex.split(os.environ.get("CXX", "c++"))


def _cache_dir() -> Path:
    return Path(os.environ.get("SPARSESENS_CACHE", Path.home() / ".cache" / "sparsesens"))


def _library_path(compiler: list[str]) -> Path:
    source = SOURCE.read_bytes()
    if hashlib.sha256(source).hexdigest() != SOURCE_SHA256:
        raise RuntimeError(f"{SOURCE} does not match its pinned SOURCE_SHA256: pin its new "
                           "hash so that the workflow re-runs the jobs that encode")
    version = subprocess.run([*compiler, "--version"], capture_output=True, text=True,
                             check=True, timeout=60).stdout
    digest = hashlib.sha256(source)
    for part in (*compiler, *_FLAGS, version):
        digest.update(part.encode() + b"\0")
    return _cache_dir() / f"lars-{digest.hexdigest()[:16]}.so"


def _build(compiler: list[str], target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(suffix=".so", dir=target.parent)
    os.close(fd)
    try:
        subprocess.run([*compiler, *_FLAGS, str(SOURCE), "-o", tmp], capture_output=True,
                       text=True, check=True, timeout=600)
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


@functools.cache
def _library() -> ctypes.CDLL | None:
    if os.environ.get("SPARSESENS_NATIVE", "1") == "0":
        return None
    compiler = _compiler()
    try:
        target = _library_path(compiler)
        if not target.exists():
            log.info("building the LARS kernel with %s into %s", " ".join(compiler), target)
            _build(compiler, target)
        library = ctypes.CDLL(str(target))
    except (OSError, RuntimeError, subprocess.SubprocessError) as error:
        # a warning, not a log line: a job's log records Python's warnings
        detail = str(getattr(error, "stderr", "") or error).strip()[:500]
        warnings.warn(f"the compiled LARS kernel is not available ({detail}); the encoder "
                      f"uses its batched solvers alone", RuntimeWarning, stacklevel=2)
        return None
    fn = library.sparsesens_lars
    fn.restype = ctypes.c_int
    fn.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int64, ctypes.c_int64,
                   ctypes.c_double, ctypes.c_int64, ctypes.c_int64, ctypes.c_double,
                   ctypes.c_int64, ctypes.c_void_p, ctypes.c_void_p]
    fn = library.sparsesens_polish
    fn.restype = ctypes.c_int
    fn.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int64, ctypes.c_int64,
                   ctypes.c_double, ctypes.c_int64, ctypes.c_int64, ctypes.c_double,
                   ctypes.c_double, ctypes.c_int64, ctypes.c_void_p, ctypes.c_void_p]
    return library


def available() -> bool:
    """Whether the compiled kernel could be built and loaded here."""
    return _library() is not None


def _prepared(C: np.ndarray, G: np.ndarray) -> tuple[ctypes.CDLL, np.ndarray, np.ndarray]:
    """The loaded kernel and ``C``, ``G`` as contiguous float64 arrays of fitting sizes."""
    library = _library()
    if library is None:
        raise RuntimeError("the compiled LARS kernel is not available")
    C = np.ascontiguousarray(C, dtype=np.float64)
    G = np.ascontiguousarray(G, dtype=np.float64)
    n = C.shape[1]
    if G.shape != (n, n):
        raise ValueError(f"G {G.shape} does not fit C {C.shape}: need ({n}, {n})")
    return library, C, G


def lars(C: np.ndarray, G: np.ndarray, lam: float, *, max_support: int, add_margin: float,
         n_threads: int) -> tuple[np.ndarray, np.ndarray]:
    """Lasso codes by the LARS-lasso path, one image at a time in compiled code.

    Args:
        C: (B, n) float64 correlations ``X D``.
        G: (n, n) float64 Gram matrix ``D^T D``.
        lam: sparsity weight, > 0.
        max_support: an image whose path needs more active atoms stops there, unsettled.
        add_margin: how far beyond ``lam`` an inactive atom's correlation may be at the end.
        n_threads: threads sharing the images.

    Returns:
        ``(R, settled)``: (B, n) codes and (B,) flags. A settled code is the float64 closed
        form of Eq. 4 on a sign-consistent support with every inactive atom within
        ``lam + add_margin``; an unsettled one is the path's last iterate, exact for a
        larger ``lam``.

    Raises:
        RuntimeError: if the kernel is not available (see :func:`available`).
    """
    library, C, G = _prepared(C, G)
    B, n = C.shape
    R = np.empty((B, n))
    settled = np.empty(B, dtype=np.uint8)
    status = library.sparsesens_lars(C.ctypes.data, G.ctypes.data, B, n, float(lam),
                                     int(max_support), 4 * int(max_support) + 16,
                                     float(add_margin), int(n_threads), R.ctypes.data,
                                     settled.ctypes.data)
    if status != 0:
        raise ValueError(f"bad sizes for the LARS kernel: B={B}, n={n}, "
                         f"max_support={max_support}, n_threads={n_threads}")
    return R, settled.astype(bool)


def polish(C: np.ndarray, G: np.ndarray, R: np.ndarray, lam: float, *, max_rounds: int,
           max_support: int, add_margin: float, give_up: float | None,
           n_threads: int) -> tuple[np.ndarray, np.ndarray]:
    """The active-set polish of :func:`sparsesens.lasso.polish`, one image at a time in
    compiled code, with each image's Cholesky factor kept across its rounds.

    Args:
        C: (B, n) float64 correlations ``X D``.
        G: (n, n) float64 Gram matrix ``D^T D``.
        R: (B, n) stored codes: their signed supports are the starts.
        lam: sparsity weight, > 0.
        max_rounds: active-set rounds per image at most.
        max_support: an image whose support would exceed this stops, unsettled.
        add_margin: how far beyond ``lam`` an inactive atom's correlation may be.
        give_up: an image whose first round would change more than this fraction of its
            support (and more than 2 atoms) stops there; None: none stops early.
        n_threads: threads sharing the images.

    Returns:
        ``(R, settled)``: (B, n) codes and (B,) flags. A settled code is the float64 closed
        form of Eq. 4 on a sign-consistent support with every inactive atom within
        ``lam + add_margin``; an unsettled one is its last round's code, or the stored code
        where its support could not be factored.

    Raises:
        RuntimeError: if the kernel is not available (see :func:`available`).
    """
    library, C, G = _prepared(C, G)
    R = np.array(R, dtype=np.float64, order="C")  # a copy: polished in place
    B, n = C.shape
    if R.shape != (B, n):
        raise ValueError(f"R {R.shape} does not fit C {C.shape}")
    status = np.empty(B, dtype=np.uint8)
    failed = library.sparsesens_polish(C.ctypes.data, G.ctypes.data, B, n, float(lam),
                                       int(max_rounds), int(max_support), float(add_margin),
                                       -1.0 if give_up is None else float(give_up),
                                       int(n_threads), R.ctypes.data, status.ctypes.data)
    if failed:
        raise ValueError(f"bad sizes for the polish kernel: B={B}, n={n}, "
                         f"max_rounds={max_rounds}, max_support={max_support}")
    return R, status == 0
