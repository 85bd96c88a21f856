"""Learn the dictionary of one lambda (Section 2.1) and write it with its loss curve."""

import time

import torch

from sparsesens import io
from sparsesens.device import resolve_device
from sparsesens.dictionary import learn_dictionary, max_coherence
from sparsesens.logs import job_logger

sm = snakemake  # noqa: F821
log = job_logger(sm.log[0], "learn_dictionary")
torch.set_num_threads(sm.threads)
device = resolve_device(sm.params.device)
opts, lam, max_iter = sm.params.settings, sm.params.lam, sm.params.max_iter
X, _ = io.read_split(sm.input.data, "train")
log.info("lam=%g: %d images on %s, at most %d iterations", lam, len(X), device, max_iter)
every = max(1, max_iter // 50)


def report(iteration, loss):
    if iteration % every == 0 or iteration == 1:
        log.info("iteration %6d/%d  loss per image %.6g", iteration, max_iter, loss)


start = time.perf_counter()
result = learn_dictionary(
    X, lam, n_atoms=opts["n_atoms"], max_iter=max_iter, lr_codes=opts["lr_codes"],
    lr_dictionary=opts["lr_dictionary"], lr_increase=opts["lr_increase"],
    lr_decrease=opts["lr_decrease"], rel_tol=opts["rel_tol"], window=opts["window"],
    seed=sm.params.seed, device=device, dtype=opts["dtype"], progress=report)
seconds = time.perf_counter() - start
coherence = max_coherence(result.D)
log.info("done: %d iterations in %.1f s, loss %.6g, converged=%s, max coherence %.3f",
         result.iterations, seconds, result.loss[-1], result.converged, coherence)
io.write_dictionary(sm.output.h5, result.D, result.loss, {
    "lam": lam, "iterations": result.iterations, "converged": result.converged,
    "seed": sm.params.seed, "max_coherence": coherence, "n_images": len(X),
    "device": str(device), "dtype": opts["dtype"], "seconds": seconds,
    "accepted_codes": result.lr_codes.accepted, "rejected_codes": result.lr_codes.rejected,
    "accepted_dictionary": result.lr_dictionary.accepted,
    "rejected_dictionary": result.lr_dictionary.rejected,
})
