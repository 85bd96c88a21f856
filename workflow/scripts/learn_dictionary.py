"""Learn the dictionary of one lambda with the configured learner and write it with its
objective curve (per iteration or epoch, with wall times). The online learner keeps its
state every few minutes and a rerun of the job goes on from it."""

import time

from sparsesens import io
from sparsesens.checkpoint import Checkpoint, fingerprint
from sparsesens.dictionary import learn_dictionary, max_coherence
from sparsesens.dictionary_online import epoch_tolerance, learn_dictionary_online, relative_change
from sparsesens.job import Job

sm = snakemake  # noqa: F821
job = Job(sm)
log = job.log
device = job.device
opts, lam, method = sm.params.settings, sm.params.lam, sm.params.settings["method"]
X, _ = io.read_split(sm.input.data, "train")
start = time.perf_counter()
if method == "online":
    online = opts["online"]
    initial, start_attrs = None, {}
    if "start" in sm.input.keys():  # continuation: from a dictionary learned before
        initial, _, source = io.read_dictionary(sm.input.start)
        start_attrs = {"start_lam": source["lam"], "start_orthogonality":
                       source.get("orthogonality", 0.0), "start_sha256": source["sha256"]}
    log.info("lam=%g: online learner, %d images on %s, at most %d epochs, from %s", lam,
             len(X), device, online["max_epochs"],
             f"the dictionary of lam={start_attrs['start_lam']:g}, "
             f"mu={start_attrs['start_orthogonality']:g}" if start_attrs else "the seeded draw")
    rule = epoch_tolerance(len(X), online["batch_size"], online["rel_tol"])

    def report_epoch(epoch, value, seconds):
        curve_so_far.append(value)
        log.info("epoch %4d  objective per image %.6g  change %.1e per epoch (stops at %.1e; "
                 "%d epochs to the cap)  (%.0f s)", epoch, value, relative_change(curve_so_far),
                 rule, online["max_epochs"] - epoch, seconds)

    checkpoint = Checkpoint(
        sm.params.state, fingerprint(settings=opts, lam=lam, seed=sm.params.seed,
                                     code=sm.params.code, images=io.array_sha256(X),
                                     start=start_attrs.get("start_sha256")),
        sm.params.speed.dictionary_online_checkpoint_minutes, log)
    resume = checkpoint.resume()
    curve_so_far = [] if resume is None else list(resume.objective)
    result = learn_dictionary_online(
        X, lam, n_atoms=opts["n_atoms"], batch_size=online["batch_size"],
        code_steps=online["code_steps"], polish_rounds=online["polish_rounds"],
        max_epochs=online["max_epochs"],
        rel_tol=online["rel_tol"], seed=sm.params.seed,
        orthogonality=opts["orthogonality"], initial=initial, device=device,
        resume=resume, on_state=checkpoint,
        progress=report_epoch,
        on_resample=lambda e, n: log.warning("epoch %d: %d unused atoms resampled", e, n))
    curve = result.objective
    attrs = {"epochs": result.epochs, "n_resampled": result.n_resampled,
             "n_unused": result.n_unused, "extrapolations": result.extrapolations,
             **start_attrs}
    if result.n_unused:
        log.warning("%d atoms are used by no training code at the end", result.n_unused)
else:
    max_iter = sm.params.max_iter
    every = max(1, max_iter // 50)
    log.info("lam=%g: paper's learner, %d images on %s, at most %d iterations", lam, len(X),
             device, max_iter)

    def report(iteration, loss):
        if iteration % every == 0 or iteration == 1:
            log.info("iteration %6d/%d  loss per image %.6g", iteration, max_iter, loss)

    result = learn_dictionary(
        X, lam, n_atoms=opts["n_atoms"], max_iter=max_iter, lr_codes=opts["lr_codes"],
        lr_dictionary=opts["lr_dictionary"], lr_increase=opts["lr_increase"],
        lr_decrease=opts["lr_decrease"], rel_tol=opts["rel_tol"], window=opts["window"],
        seed=sm.params.seed, orthogonality=opts["orthogonality"], device=device,
        dtype=opts["dtype"], progress=report)
    curve = result.loss
    attrs = {"iterations": result.iterations, "dtype": opts["dtype"],
             "accepted_codes": result.lr_codes.accepted,
             "rejected_codes": result.lr_codes.rejected,
             "accepted_dictionary": result.lr_dictionary.accepted,
             "rejected_dictionary": result.lr_dictionary.rejected}
seconds = time.perf_counter() - start
coherence = max_coherence(result.D)
log.info("done in %.1f s: objective per image %.6g, converged=%s, max coherence %.3f",
         seconds, curve[-1], result.converged, coherence)
io.write_dictionary(sm.output.h5, result.D, curve, {
    "method": method, "lam": lam, "converged": result.converged, "seed": sm.params.seed,
    "orthogonality": opts["orthogonality"],
    "max_coherence": coherence, "n_images": len(X), "device": str(device),
    "seconds": seconds, **attrs}, seconds=result.seconds)
if method == "online":
    checkpoint.discard()
