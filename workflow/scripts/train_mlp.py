"""Train the supervised baseline (Section 2.3); write the model, its accuracies and the
hidden-layer representation of every split."""

import time

import torch

from sparsesens import io
from sparsesens.baselines.mlp import accuracy, hidden_layer, train_mlp
from sparsesens.pipeline.job import Job

sm = snakemake  # noqa: F821
job = Job(sm)
log = job.log
device = job.device
opts = sm.params.settings
splits = {split: io.read_split(sm.input.data, split) for split in io.SPLITS}
X, y = splits["train"]
schedule = [(phase["steps"], phase["lr"]) for phase in opts["schedule"]]
log.info("training %d-%d-10 on %d images on %s, schedule %s", X.shape[1], opts["hidden"],
         len(X), device, schedule)
start = time.perf_counter()
result = train_mlp(X, y, hidden=opts["hidden"], batch_size=opts["batch_size"],
                   schedule=schedule, momentum=opts["momentum"], seed=sm.params.seed,
                   device=device,
                   progress=lambda step, loss: log.info("step %5d  loss %.4f", step, loss))
seconds = time.perf_counter() - start
metrics = {f"{split}_accuracy": accuracy(result.model, *splits[split]) for split in io.SPLITS}
metrics.update({"steps": len(result.loss), "final_loss": float(result.loss[-1]),
                "seconds": seconds, "seed": sm.params.seed, "device": str(device)})
log.info("train %.4f, valid %.4f, test %.4f accuracy (%.1f s)", metrics["train_accuracy"],
         metrics["valid_accuracy"], metrics["test_accuracy"], seconds)
with io.atomic_path(sm.output.model) as tmp:
    torch.save(result.model.state_dict(), tmp)
io.write_arrays(sm.output.hidden,
                {split: hidden_layer(result.model, splits[split][0]) for split in io.SPLITS},
                {"representation": "mlp", "seed": sm.params.seed})
job.write_json(metrics, sm.output.metrics)
