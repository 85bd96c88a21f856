"""The encoding benchmark: certified lasso codes at each of the paper's five lambdas.

On the first 2,000 validation images of MNIST, scaled as the quick preset scaled the
images its dictionaries learned from, and the quick preset's dictionaries (made by the
workflow if missing), every method encodes the same images at each lambda, and every code
is checked from scratch against Eq. 9. The pair the goal compares (this encoder and SPAMS' LARS) is
timed ``REPEATS`` times, interleaved, and the best run kept: timings on a shared machine
vary by up to a quarter between identical runs; scikit-learn's ``lasso_cd`` and plain ISTA
run once. Each method first encodes ``WARMUP`` images outside the timing (thread pools,
allocator).

Writes results/benchmarks/encode.tsv (one row per method and lambda, with the machine and
the date) and prints the table the README shows.
"""

from __future__ import annotations

import datetime
import os
import platform
import subprocess
import sys
import time
import warnings
from pathlib import Path

import h5py
import numpy as np
import pandas as pd
import torch
import yaml
from sklearn.decomposition import sparse_encode
from sklearn.exceptions import ConvergenceWarning

from sparsesens import io, lasso
from sparsesens.pipeline.logs import PRODUCT_LABEL, product_milliseconds
from sparsesens.preprocess import scale_pixels

REPO = Path(__file__).resolve().parents[1]
PRESET = REPO / "presets/quick.yaml"
ROOT = REPO / "results/quick"
OUT = REPO / "results/benchmarks/encode.tsv"
LAMBDAS = tuple(yaml.safe_load((REPO / "config.yaml").read_text())["lambdas"])
N_IMAGES, WARMUP, REPEATS = 2000, 100, 3
ENCODER, SPAMS, LASSO_CD = "sparsesens.encode (cpu)", "spams lasso (LARS)", "sklearn lasso_cd"
ISTA_TIMED, ISTA_BUDGET = 1_000, 200_000


def machine() -> str:
    """The CPU's model name, its logical cores and the threads torch uses."""
    model = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (f"{model}, {os.cpu_count()} logical cores, torch {torch.get_num_threads()} "
            f"threads, {PRODUCT_LABEL} {product_milliseconds():.1f} ms")


def ensure_inputs() -> None:
    """The quick preset's data and dictionaries, made by the workflow if missing."""
    root = ROOT.relative_to(REPO)
    targets = [f"{root}/data/mnist.h5",
               *(f"{root}/dictionaries/lam_{lam!r}.h5" for lam in LAMBDAS)]
    # targets before --configfile, which takes every value after it
    cmd = [str(Path(sys.executable).with_name("snakemake")), *targets, "--cores", "all", "-q",
           "--configfile", str(PRESET)]
    subprocess.run(cmd, cwd=REPO, check=True)


def validation_images() -> np.ndarray:
    """The first N_IMAGES validation images, scaled as the quick preset's training images
    were (its results root records how)."""
    with h5py.File(ROOT / "data/mnist.h5", "r") as f:
        scaling, factor = f.attrs["scaling"], float(f.attrs["scale_factor"])
        n_train = f["train/x"].shape[0]
    splits = io.load_mnist(REPO / "resources" / io.MNIST_WHEEL)
    train = splits["train"][0][:n_train]
    scaled = scale_pixels({"train": train, "valid": splits["valid"][0][:N_IMAGES]},
                          scaling, factor)
    return scaled["valid"].astype(np.float64)


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


def methods(D: np.ndarray, lam: float, spams) -> dict:
    """Each method as a function of the images, returning dense (N, n_atoms) codes."""
    runs = {ENCODER: lambda X: lasso.encode(X, D, lam, device="cpu").codes}
    if spams is not None:
        runs[SPAMS] = lambda X: spams.lasso(
            np.asfortranarray(X.T), D=np.asfortranarray(D), lambda1=lam, lambda2=0.0,
            mode=2, numThreads=-1).toarray().T
    runs[LASSO_CD] = lambda X: quiet_lasso_cd(X, D, lam)
    return runs


def quiet_lasso_cd(X: np.ndarray, D: np.ndarray, lam: float) -> np.ndarray:
    """scikit-learn's coordinate descent at its default tolerance. At small lambda it stops
    before the codes are exact and warns for every image: the Eq. 9 columns say so once."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return sparse_encode(X, D.T, algorithm="lasso_cd", alpha=lam)


def timed(fn):
    """``fn()`` and its wall time in seconds."""
    start = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - start


def lambda_rows(X: np.ndarray, D: np.ndarray, lam: float, spams) -> list[dict]:
    """Every method at one lambda: images/s (best of REPEATS for the compared pair) and
    its codes' Eq. 9 check."""
    runs = methods(D, lam, spams)
    compared = {ENCODER, SPAMS}
    best: dict[str, tuple[np.ndarray, float]] = {}
    for repeat in range(REPEATS):
        for method, fn in runs.items():
            if repeat and method not in compared:
                continue
            if not repeat:
                fn(X[:WARMUP])
            R, seconds = timed(lambda fn=fn: fn(X))
            print(f"lam={lam}: {method}: {len(X) / seconds:.0f} images/s", flush=True)
            if method not in best or seconds < best[method][1]:
                best[method] = (R, seconds)
    rows = [{"method": method, "lam": lam, "images_per_s": len(X) / seconds,
             "mean_active": float((R != 0).sum(axis=1).mean()), **certify(X, D, R, lam),
             "note": f"best of {REPEATS}" if method in compared else "one run"}
            for method, (R, seconds) in best.items()]
    if spams is None:
        rows.append({"method": SPAMS, "lam": lam, "note": "spams-bin did not install here"})
    R, seconds = timed(lambda: ista(X, D, lam, ISTA_TIMED))
    rows.append({"method": f"ISTA, {ISTA_BUDGET:,} iterations (extrapolated)", "lam": lam,
                 "images_per_s": len(X) / (seconds * ISTA_BUDGET / ISTA_TIMED),
                 **certify(X, D, R, lam),
                 "note": f"timed {ISTA_TIMED} iterations; Eq. 9 columns after those"})
    return rows


def readme_table(table: pd.DataFrame) -> str:
    """The compared methods' images/s per lambda, and the encoder's ratio to SPAMS."""
    wide = table[table.method.isin([ENCODER, SPAMS, LASSO_CD])].pivot(
        index="lam", columns="method", values="images_per_s")
    passing = table[table.method == ENCODER].set_index("lam")["fraction_passing"]
    lines = ["| lambda | encoder (images/s) | SPAMS | lasso_cd | encoder / SPAMS "
             "| encoder codes passing Eq. 9 |", "|---|---|---|---|---|---|"]
    for lam, row in wide.iterrows():
        spams = row.get(SPAMS, np.nan)
        lines.append(f"| {lam:g} | {row[ENCODER]:,.0f} | {spams:,.0f} | {row[LASSO_CD]:,.0f} "
                     f"| {row[ENCODER] / spams:.2f}x | {passing[lam]:.1%} |")
    return "\n".join(lines)


def encode_benchmark() -> None:
    ensure_inputs()
    X = validation_images()
    try:
        import spams
    except ImportError:
        spams = None
    rows = []
    for lam in LAMBDAS:
        D, _, _ = io.read_dictionary(ROOT / f"dictionaries/lam_{lam!r}.h5")
        rows += lambda_rows(X, D, lam, spams)
    table = pd.DataFrame(rows)
    for peer, column in ((SPAMS, "speed_vs_spams"), (LASSO_CD, "speed_vs_lasso_cd")):
        ref = table[table.method == peer].set_index("lam")["images_per_s"]
        table[column] = table["images_per_s"] / table["lam"].map(ref)
    table["machine"] = machine()
    table["date"] = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    with io.atomic_path(OUT) as tmp:
        table.to_csv(tmp, sep="\t", index=False, float_format="%.4g")
    with pd.option_context("display.width", 200, "display.max_columns", 20):
        print(table.drop(columns=["machine", "date"]).to_string(index=False))
    print(f"\n{machine()}, {table['date'].iloc[0]}\n{readme_table(table)}")
    print(f"written to {OUT.relative_to(REPO)}")
