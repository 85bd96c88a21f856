"""The compiled polish against the batched one, side by side in one process: per call on
the same starts, and inside the online learner from the same dictionary
(docs/dictionary-learners.md quotes a run).

calls: the first --images training images of a results root, that root's dictionary at
--start, starts the exact codes at 1.05 lambda, each lambda of --lams; seconds and settled
rows of both, and how far their settled codes differ.
learner: --epochs of the online learner on --images images at --lam from the dictionary at
--start, with each polish in turn, twice (alternated); seconds and final objective.

Usage: python benchmarks/polish.py calls ROOT [--start 3.0] [--lams 0.9 0.3 0.15]
       python benchmarks/polish.py learner ROOT [--start 3.0] [--lam 0.9] [--epochs 4]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import torch

from sparsesens import io
from sparsesens.dictionary import online
from sparsesens.dictionary.options import OnlineOptions
from sparsesens.lasso import encode, native, polish
from sparsesens.pipeline.logs import product_milliseconds


def _data(root: Path, start: str, n: int) -> tuple[np.ndarray, np.ndarray]:
    X, _ = io.read_split(root / "data/mnist.h5", "train")
    D, _, _ = io.read_dictionary(root / f"dictionaries/lam_{start}.h5")
    return X[:n], D


def calls(root: Path, start: str, lams: list[float], n: int) -> None:
    X, D = _data(root, start, n)
    X64, D64 = X.astype(np.float64), D.astype(np.float64)
    C, G = X64 @ D64, D64.T @ D64
    print("lambda\tmedian_support\tbatched_s\tcompiled_s\tsettled_batched\tsettled_compiled"
          "\tmax_difference")
    for lam in lams:
        codes = encode(X, D, 1.05 * lam).codes
        starts = codes.toarray() if hasattr(codes, "toarray") else np.asarray(codes)
        t = time.perf_counter()
        batched, b_settled = polish(torch.from_numpy(C), torch.from_numpy(G),
                                    torch.from_numpy(starts), lam, 3, 1e-7, give_up=0.3)
        t_batched = time.perf_counter() - t
        t = time.perf_counter()
        compiled, c_settled = native.polish(C, G, starts, lam, max_rounds=3, max_support=256,
                                            add_margin=1e-7, give_up=0.3, n_threads=1)
        t_compiled = time.perf_counter() - t
        both = b_settled.numpy() & c_settled
        gap = np.abs(batched.numpy()[both] - compiled[both]).max()
        print(f"{lam:g}\t{np.median((starts != 0).sum(1)):g}\t{t_batched:.3f}\t"
              f"{t_compiled:.3f}\t{int(b_settled.sum())}\t{int(c_settled.sum())}\t{gap:.1e}")


def _batched_rows(C, G, R, todo, lam, rounds):
    """The learner's polish step as it was before the compiled polish."""
    small = (R[todo] != 0).sum(dim=1) <= online._POLISH_MAX_SUPPORT
    tried, skipped = todo[small], todo[~small]
    if len(tried) == 0:
        return todo
    exact, settled = polish(C[tried].double(), G.double(), R[tried].double(), lam, rounds,
                            online._POLISH_MARGIN, give_up=online._GIVE_UP)
    R[tried[settled]] = exact[settled].to(R.dtype)
    return torch.cat([tried[~settled], skipped])


def learner(root: Path, start: str, lam: float, n: int, epochs: int) -> None:
    X, D = _data(root, start, n)
    compiled_rows = online._polish_rows
    print("polish\tseconds\tobjective")
    try:
        for name, rows in [("batched", _batched_rows), ("compiled", compiled_rows)] * 2:
            online._polish_rows = rows
            t = time.perf_counter()
            result = online.learn_dictionary_online(X, lam,
                                                    OnlineOptions(max_epochs=epochs, rel_tol=0.0),
                                                    initial=D, seed=0)
            print(f"{name}\t{time.perf_counter() - t:.1f}\t{result.objective[-1]:.6f}",
                  flush=True)
    finally:
        online._polish_rows = compiled_rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("part", choices=["calls", "learner"])
    parser.add_argument("root", type=Path, help="a results root with data and dictionaries")
    parser.add_argument("--start", default="3.0", help="tag of the starting dictionary")
    parser.add_argument("--lams", type=float, nargs="+", default=[0.9, 0.3, 0.15])
    parser.add_argument("--lam", type=float, default=0.9)
    parser.add_argument("--images", type=int, default=None)
    parser.add_argument("--epochs", type=int, default=4)
    args = parser.parse_args()
    if not native.available():
        raise SystemExit("the compiled kernel is not available here: nothing to compare")
    torch.set_num_threads(1)
    print(f"# reference product {product_milliseconds():.1f} ms, one thread")
    if args.part == "calls":
        calls(args.root, args.start, args.lams, args.images or 1000)
    else:
        learner(args.root, args.start, args.lam, args.images or 10_000, args.epochs)


if __name__ == "__main__":
    main()
