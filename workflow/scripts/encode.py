"""Exact lasso codes of one shard of images, each certified by Eq. 9."""

import time

import numpy as np

from sparsesens import io
from sparsesens.lasso import encode, lasso_objective, native
from sparsesens.pipeline import settings
from sparsesens.pipeline.job import Job
from sparsesens.records import DictionaryRecord

sm = snakemake  # noqa: F821
job = Job(sm)
log = job.log
device = job.device
opts, lam = sm.params.settings, sm.params.lam
first, stop = sm.params.rows
X, _ = io.read_split(sm.input.data, sm.wildcards.split)
X = X[first:stop]
D, _, dict_attrs = io.read_dictionary(sm.input.dictionary)
log.info("lam=%g %s images %d..%d on %s (compiled LARS path built: %s)", lam,
         sm.wildcards.split, first, stop - 1, device, native.available())
done = [0]  # images finished so far, counted by the encoder's progress calls


def report(n):
    done[0] += n
    log.info("%d/%d images", done[0], len(X))


start = time.perf_counter()
options = settings.encode_options(opts, sm.params.speed.codes_chunk_size)
result = encode(X, D, lam, options, device=device, progress=report)
seconds = time.perf_counter() - start
active = (result.codes != 0).sum(axis=1)
objective = lasso_objective(X, D, result.codes, lam)
log.info("%.1f images/s; mean active atoms %.1f; Eq. 1 per image %.6g; fallback %d; "
         "failing Eq. 9: %d", len(X) / seconds, active.mean(), objective.mean(),
         result.n_fallback, result.n_failed)
if result.n_failed:
    bad = np.flatnonzero(~result.certified)[:20] + first
    log.warning("images failing Eq. 9 (kept and marked in the shard): %s", bad.tolist())
io.write_code_shard(
    sm.output.h5, result.codes, np.arange(first, stop), result.kkt_inactive, result.kkt_active,
    {**DictionaryRecord.from_attrs(dict_attrs, sm.input.dictionary).attrs(),
     "split": sm.wildcards.split, "dictionary_sha256": dict_attrs["sha256"],
     "n_failed": result.n_failed, "n_fallback": result.n_fallback,
     "tol_inactive": opts["tol_inactive"], "tol_active": opts["tol_active"],
     "seconds": seconds, "device": str(device)}, objective=objective)
