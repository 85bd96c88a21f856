"""One GPU session's measurements, at paper scale, in one process (a few minutes on an H100).

Usage: python benchmarks/gpu_probe.py OUT.json [DICT_ITER [DEVICE [N_TRAIN]]]
(the MNIST wheel must be in resources/; DEVICE cpu and a small N_TRAIN check the script)

Measures, on the real MNIST (50,000 training images):
- the paper's dictionary learning, seconds per full-batch iteration, at lam = 0.3 and 0.03;
- sparsesens.encode on all 70,000 images on the GPU: images/s and the Eq. 9 pass rate,
  and agreement of GPU and CPU codes on the same 500 images;
- the stages of Section 6 at full size: the random net (width 7,840), 1-nearest neighbour
  with 3,000 labels per class, the logistic-regression weight-decay path, the MLP.
Every section is timed separately and written, even when a later one fails.
"""

from __future__ import annotations

import json
import sys
import time
import traceback
from pathlib import Path

import numpy as np
import torch

from sparsesens import evaluation, io, lasso
from sparsesens.baselines import mlp, random_net
from sparsesens.dictionary import learn_dictionary, max_coherence

REPO = Path(__file__).resolve().parents[1]


def main(out_path: str, dict_iter: int = 3000, device_name: str = "cuda",
         n_train: int = 50_000) -> None:
    device = torch.device(device_name)
    on_gpu = device.type == "cuda"
    results: dict = {"device": torch.cuda.get_device_name(0) if on_gpu else "cpu",
                     "torch": torch.__version__, "dict_iter": dict_iter, "n_train": n_train}

    def sync():
        if on_gpu:
            torch.cuda.synchronize()

    def save():
        Path(out_path).write_text(json.dumps(results, indent=2, default=float) + "\n")

    def section(name):
        def wrap(fn):
            start = time.perf_counter()
            try:
                results[name] = fn()
            except Exception:  # record and go on: one failure must not hide the others
                results[name] = {"error": traceback.format_exc()[-2000:]}
            sync()
            results.setdefault("seconds", {})[name] = time.perf_counter() - start
            print(name, json.dumps(results[name], default=float)[:600], flush=True)
            save()
        return wrap

    data = io.load_mnist(REPO / "resources" / io.MNIST_WHEEL)
    X, y = (a[:n_train] for a in data["train"])
    Xv, yv = data["valid"]
    every = np.concatenate([data[s][0] for s in io.SPLITS]).astype(np.float64)
    if not on_gpu:  # a check of the script, not a measurement
        every = every[:1000]
    dictionaries = {}

    for lam in (0.3, 0.03):
        @section(f"learn_dictionary_{lam}")
        def _(lam=lam):
            start = time.perf_counter()
            result = learn_dictionary(X, lam, max_iter=dict_iter, rel_tol=0.0, device=device)
            seconds = time.perf_counter() - start
            dictionaries[lam] = result.D
            return {"iterations": result.iterations, "s_per_iter": seconds / result.iterations,
                    "loss_first": result.loss[0], "loss_last": result.loss[-1],
                    "max_coherence": max_coherence(result.D)}

    for lam, n_images in ((0.3, len(every)), (0.03, min(10_000, len(every)))):
        @section(f"encode_{lam}")
        def _(lam=lam, n_images=n_images):
            D = dictionaries[lam]
            lasso.encode(every[:2000], D, lam, device=device)  # warm-up: kernels, allocator
            sync()
            start = time.perf_counter()
            options = lasso.EncodeOptions(chunk_size=10_000)
            result = lasso.encode(every[:n_images], D, lam, options, device=device)
            sync()
            seconds = time.perf_counter() - start
            cpu = lasso.encode(every[:500], D, lam, device="cpu")
            return {"images": n_images, "images_per_s": n_images / seconds,
                    "fraction_passing": float(result.certified.mean()),
                    "worst_inactive": float(result.kkt_inactive.max()),
                    "worst_active": float(result.kkt_active.max()),
                    "n_fallback": result.n_fallback,
                    "mean_active": float((result.codes != 0).sum(axis=1).mean()),
                    "max_abs_diff_gpu_cpu_500": float(np.abs(cpu.codes - result.codes[:500]).max()),
                    "cpu_passing_500": float(cpu.certified.mean())}

    features = {}

    @section("random_features")
    def _():
        W1, W2 = random_net.random_net_weights(784, 7840, seed=0)
        start = time.perf_counter()
        features["train"] = random_net.random_features(X, W1, W2, chunk_size=4096, device=device)
        features["valid"] = random_net.random_features(Xv, W1, W2, chunk_size=4096, device=device)
        return {"images": len(X) + len(Xv), "seconds": time.perf_counter() - start}

    subsets = {k: evaluation.labelled_subset(y, k, seed=0) for k in (1, 10, 100, 1000, 3000)
           if k * 12 <= len(y)}

    @section("nearest_neighbour_random_3000")
    def _():
        out = {}
        for metric in evaluation.METRICS:
            start = time.perf_counter()
            acc = evaluation.nearest_neighbour_accuracy(
                features["train"], y, features["valid"], yv, subsets, metric, device=device)
            out[metric] = {"accuracy": acc, "seconds": time.perf_counter() - start}
        return out

    @section("nearest_neighbour_pixels")
    def _():
        return {metric: evaluation.nearest_neighbour_accuracy(X, y, Xv, yv, subsets, metric,
                                                            device=device)
                for metric in evaluation.METRICS}

    for name, (train, valid) in (("pixels", (X, Xv)),
                                 ("random", (features.get("train"), features.get("valid")))):
        @section(f"logistic_path_{name}_3000")
        def _(train=train, valid=valid):
            rows = subsets[max(subsets)]
            scale = evaluation.rms_scale(train[rows])
            start = time.perf_counter()
            path = evaluation.logistic_path(train[rows] / scale, y[rows],
                                          [1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1.0], device=device)
            seconds = time.perf_counter() - start
            return {"seconds": seconds,
                    "test_acc": {d: m.accuracy(valid / scale, yv) for d, m in path.items()}}

    @section("mlp")
    def _():
        start = time.perf_counter()
        result = mlp.train_mlp(X, y, seed=0, device=device)
        return {"seconds": time.perf_counter() - start,
                "train_acc": mlp.accuracy(result.model, X, y),
                "valid_acc": mlp.accuracy(result.model, Xv, yv)}

    save()


if __name__ == "__main__":
    args = sys.argv[1:]
    main(args[0], *([int(args[1])] if len(args) > 1 else []), *args[2:3],
         *(int(a) for a in args[3:4]))
