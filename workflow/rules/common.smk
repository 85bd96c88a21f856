# Configuration checks and the helpers that every stage's rules share.
import sys
from pathlib import Path

import yaml
from snakemake.exceptions import WorkflowError
from snakemake.utils import validate

sys.path.insert(0, str(Path(workflow.basedir) / "src"))
from sparsesens import io as ssio, settings  # noqa: E402

SCHEMA = Path(workflow.basedir) / "workflow/schemas/config.schema.yaml"


def _check_config():
    """Refuse a bad configuration before any job runs, naming every bad key."""
    try:
        validate(config, str(SCHEMA))
        schema_ok = True
    except WorkflowError:
        schema_ok = False
    problems = settings.config_errors(config, yaml.safe_load(SCHEMA.read_text()))
    if problems or not schema_ok:
        raise WorkflowError("invalid configuration:\n  " + "\n  ".join(problems))


_check_config()

ROOT = config["results"].rstrip("/")
ENV = "../../envs/sparsesens.yaml"
LAMBDAS = [settings.lambda_tag(lam) for lam in config["lambdas"]]
SPLITS = list(ssio.SPLITS)
MNIST_WHEEL = f"resources/{ssio.MNIST_WHEEL}"


wildcard_constraints:
    lam="[0-9.eE+-]+",
    split="train|valid|test",
    shard=r"\d+",
    seed=r"\d+",


def out(path):
    """A path under this configuration's results root."""
    return f"{ROOT}/{path}"


def lam_of(wildcards):
    """The configured lambda (float) named by the {lam} wildcard."""
    return settings.config_lambda(config, wildcards.lam)


def dictionary_files():
    return expand(out("dictionaries/lam_{lam}.h5"), lam=LAMBDAS)


def shard_files(lam, split):
    n = len(settings.shard_ranges(config, split))
    return [out(f"codes/lam_{lam}/{split}_{shard}.h5") for shard in range(n)]


def code_shards():
    return [f for lam in LAMBDAS for split in SPLITS for f in shard_files(lam, split)]


def label_subset_files():
    return expand(out("eval/labels/seed_{seed}.tsv"), seed=config["evaluation"]["seeds"])
