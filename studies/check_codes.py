"""Re-check every stored code of a results root against Eq. 9, one image at a time.

Independent of the encoder and of `sparsesens.lasso.kkt_violation`: for each image it forms
the residual in pixel space and solves the active set's normal equations with NumPy's
least squares, then compares with Eq. 9's tolerances (by default the paper's: inactive
|d_i . (x - D r)| - lam < 1e-5; active relative error to the closed form < 1e-4).

Usage: python studies/check_codes.py results/quick [--tol-inactive 1e-5] [--tol-active 1e-4]
Prints one line per shard and exits non-zero when any image fails.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

from sparsesens import io


def eq9_one(x: np.ndarray, D: np.ndarray, r: np.ndarray, lam: float) -> tuple[float, float]:
    """Both conditions of Eq. 9 for one image, computed directly."""
    residual = x - D @ r
    correlation = D.T @ residual
    on = r != 0
    inactive = float(np.max(np.abs(correlation[~on])) - lam) if (~on).any() else -lam
    if not on.any():
        return inactive, 0.0
    D_on = D[:, on]
    closed, *_ = np.linalg.lstsq(D_on.T @ D_on, D_on.T @ x - lam * np.sign(r[on]), rcond=None)
    active = float(np.linalg.norm(r[on] - closed) / max(np.linalg.norm(closed), 1e-300))
    return inactive, active


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("root", type=Path)
    parser.add_argument("--tol-inactive", type=float, default=1e-5)
    parser.add_argument("--tol-active", type=float, default=1e-4)
    args = parser.parse_args(argv)
    shards = sorted(args.root.glob("codes/lam_*/*.h5"))
    if not shards:
        print(f"no code shards under {args.root}/codes", file=sys.stderr)
        return 2
    images, dictionaries = {}, {}
    total = failed = 0
    for path in shards:
        shard = io.read_code_shard(path, dense=False)
        lam_tag, split = path.parent.name.removeprefix("lam_"), str(shard["attrs"]["split"])
        if lam_tag not in dictionaries:
            dictionaries[lam_tag] = io.read_dictionary(
                args.root / f"dictionaries/lam_{lam_tag}.h5")
        D, _, attrs = dictionaries[lam_tag]
        if shard["attrs"]["dictionary_sha256"] != attrs["sha256"]:
            print(f"{path}: encoded with another dictionary")
            return 1
        if split not in images:
            images[split] = io.read_split(args.root / "data/mnist.h5", split)[0]
        X = images[split][shard["image_index"]].astype(np.float64)
        lam = float(shard["attrs"]["lam"])
        codes = shard["codes"].toarray()
        worst = np.array([eq9_one(x, D, r, lam) for x, r in zip(X, codes, strict=True)])
        bad = int(((worst[:, 0] >= args.tol_inactive) | (worst[:, 1] >= args.tol_active)).sum())
        total, failed = total + len(X), failed + bad
        print(f"{path}: {len(X)} images, failing {bad}, worst inactive {worst[:, 0].max():.2e},"
              f" worst active {worst[:, 1].max():.2e}", flush=True)
    print(f"{total} images in {len(shards)} shards, {failed} failing Eq. 9")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
