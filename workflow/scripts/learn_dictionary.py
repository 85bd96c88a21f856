"""Learn the dictionary of one lambda with the configured learner and write it with its
objective curve (per epoch or iteration, with wall times). The online learner keeps its
state every few minutes and a rerun of the job goes on from it."""

import time

from sparsesens import io
from sparsesens.dictionary import max_coherence
from sparsesens.dictionary.checkpoint import Checkpoint, fingerprint
from sparsesens.dictionary.learners import learn
from sparsesens.pipeline.job import Job

sm = snakemake  # noqa: F821
job = Job(sm)
log = job.log
opts, record = sm.params.settings, sm.params.record
lam = record["lam"]
X, _ = io.read_split(sm.input.data, "train")
initial, start_attrs = None, {}
if "start" in sm.input.keys():  # continuation: from a dictionary learned before
    initial, _, source = io.read_dictionary(sm.input.start)
    start_attrs = {"start_lam": source["lam"], "start_orthogonality":
                   source.get("orthogonality", 0.0), "start_sha256": source["sha256"]}
log.info("lam=%g: %s learner, %d images on %s, from %s", lam, opts["method"], len(X),
         job.device, f"the dictionary of lam={start_attrs['start_lam']:g}, "
         f"mu={start_attrs['start_orthogonality']:g}" if start_attrs else "the seeded draw")
checkpoint = Checkpoint(
    sm.params.state, fingerprint(settings=opts, lam=lam, seed=sm.params.seed,
                                 code=sm.params.code, images=io.array_sha256(X),
                                 start=start_attrs.get("start_sha256")),
    sm.params.speed.dictionary_online_checkpoint_minutes, log)
start = time.perf_counter()
result = learn(X, lam, opts, seed=sm.params.seed, device=job.device, initial=initial,
               resume=checkpoint.resume(), on_state=checkpoint, log=log)
seconds = time.perf_counter() - start
coherence = max_coherence(result.D)
log.info("done in %.1f s: objective per image %.6g, converged=%s, max coherence %.3f",
         seconds, result.objective[-1], result.converged, coherence)
io.write_dictionary(sm.output.h5, result.D, result.objective, {
    **record, "method": opts["method"], "converged": result.converged,
    "seed": sm.params.seed, "orthogonality": opts["orthogonality"],
    "max_coherence": coherence, "n_images": len(X), "device": str(job.device),
    "seconds": seconds, **result.record, **start_attrs}, seconds=result.seconds)
checkpoint.discard()
