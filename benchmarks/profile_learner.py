"""Where the online learner spends an epoch: cProfile over its first epochs on a results
root's training images (docs/full-scale-run.md quotes one run).

Usage: python benchmarks/profile_learner.py results [--lam 0.03] [--epochs 3] [--threads 2]
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
from pathlib import Path

import torch

from sparsesens import io
from sparsesens.dictionary.online import learn_dictionary_online
from sparsesens.dictionary.options import OnlineOptions


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("root", type=Path, help="a results root with data/mnist.h5")
    parser.add_argument("--lam", type=float, default=0.03)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    X, _ = io.read_split(args.root / "data/mnist.h5", "train")
    profile = cProfile.Profile()
    profile.enable()
    learn_dictionary_online(X, args.lam, OnlineOptions(max_epochs=args.epochs, rel_tol=0),
                            seed=0, progress=lambda epoch, f, s: print(
                                f"epoch {epoch}: F {f:.4f}, {s:.1f} s", flush=True))
    profile.disable()
    pstats.Stats(profile).sort_stats("tottime").print_stats(15)


if __name__ == "__main__":
    main()
