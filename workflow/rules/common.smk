# Configuration checks and the helpers that every stage's rules share.
import sys
from pathlib import Path

import yaml
from snakemake.exceptions import WorkflowError
from snakemake.utils import validate

sys.path.insert(0, str(Path(workflow.basedir) / "src"))
from sparsesens import io as ssio  # noqa: E402
from sparsesens.pipeline import provenance, resources as job_resources, settings

SCHEMA = Path(workflow.basedir) / "workflow/schemas/config.schema.yaml"


def _check_config():
    """Refuse a bad configuration before any job runs, naming every bad key."""
    try:
        validate(config, str(SCHEMA))
        schema_ok = True
    except WorkflowError:
        schema_ok = False
    problems = settings.config_errors(config, yaml.safe_load(SCHEMA.read_text()))
    if isinstance(config.get("results"), str):
        unwritable = ssio.unwritable_reason(config["results"])
        if unwritable:
            problems.append(f"`results` ({config['results']!r}) cannot hold the outputs: "
                            f"{unwritable}")
    if problems or not schema_ok:
        raise WorkflowError("invalid configuration:\n  " + "\n  ".join(problems))


# --config on the command line hands list items and nested values over as strings
config.update(settings.numbers_from_command_line(config))
_check_config()

ROOT = config["results"].rstrip("/")


def _all_cores():
    """--cores of a local run; on a cluster (no --cores) the profile's set-threads decide."""
    try:
        return workflow.cores
    except WorkflowError:
        return 8


# threads of the heavy (GPU-capable) rules: every core of a local run
ALL_CORES = _all_cores()
ENV = "../../envs/sparsesens.yaml"
# the paper's dictionaries: one per lambda and dictionary seed (0.3, then 0.3_s1, ...)
PAPER_TAGS = settings.paper_tags(config)
# the first dictionary seed's, one per lambda: what the figures and code summary show
FIRST_SEED_TAGS = settings.paper_tags(config, seed=0)
# every dictionary of the run, tag (the {tag} wildcard) -> its record (lambda, penalty mu,
# dictionary seed)
DICTIONARIES = settings.dictionary_records(config)
ANALYSIS_LAM = settings.lambda_tag(config["analysis"]["lam"])
# the remedy: one dictionary per overlap penalty mu at the analysis lambda and dictionary
# seed, mu = 0's first (0.3, 0.3_mu0.001, ..., then 0.3_s1, 0.3_mu0.001_s1, ...)
REMEDY_WEIGHTS = settings.remedy_weights(config)
REMEDY_TAGS = settings.remedy_tags(config)
PENALTY_TAGS = settings.remedy_tags(config, penalties_only=True)
SPLITS = list(ssio.SPLITS)
MNIST_WHEEL = f"resources/{ssio.MNIST_WHEEL}"
# the data set file is named after it: data/mnist.h5, data/fashion-mnist.h5, ...
DATASET = settings.dataset_name(config)


# {tag} names a dictionary: its lambda (0.3), the remedy's penalty after it (0.3_mu0.001)
# and its dictionary seed after that, but for seed 0 (0.3_s1)
wildcard_constraints:
    tag=r"[0-9.eE+-]+(_mu[0-9.eE+-]+)?(_s\d+)?",
    split="train|valid|test",
    shard=r"\d+",
    seed=r"\d+",
    rep=r"pixels|mlp|random|lam_[0-9.eE+-]+(_mu[0-9.eE+-]+)?(_s\d+)?",


def code_version(script):
    """Hash of the package modules a script imports (a param: edits re-run the rule)."""
    base = Path(workflow.basedir)
    return provenance.code_version(base / "workflow/scripts" / script, base / "src/sparsesens")


def memory_mib(rule_name):
    """mem_mb of one job: measured at paper scale, scaled to this configuration, and
    multiplied by the attempt so that a retry after an out-of-memory kill asks for more."""
    return lambda wildcards, attempt: job_resources.job_memory_mib(config, rule_name, attempt)


def minutes(rule_name):
    """runtime (minutes) of one job, like memory_mib: a retry after a time-out asks for more."""
    return lambda wildcards, attempt: job_resources.job_minutes(config, rule_name, attempt)


def out(path):
    """A path under this configuration's results root."""
    return f"{ROOT}/{path}"


def record_of(tag):
    """The record of the dictionary named ``tag``; a clear error for a tag not configured."""
    if tag not in DICTIONARIES:
        raise WorkflowError(f"dictionary {tag!r} is not configured; dictionaries: "
                            f"{', '.join(DICTIONARIES)}")
    return DICTIONARIES[tag]


def lam_of(wildcards):
    """The lambda (float) of the dictionary named by the {tag} wildcard."""
    return record_of(wildcards.tag).lam


def mu_of(wildcards):
    """The overlap penalty (float, 0 for the paper's) of the {tag} wildcard's dictionary."""
    return record_of(wildcards.tag).mu


# The helpers below are called once every .smk file is read, so they name the rules'
# outputs instead of repeating their paths.


def dictionary_file(tag):
    return expand(rules.learn_dictionary.output.h5, tag=tag)[0]


def dictionary_files(tags=None):
    """The paper's dictionaries, every seed's unless ``tags`` are given."""
    return expand(rules.learn_dictionary.output.h5, tag=PAPER_TAGS if tags is None else tags)


def shard_files(tag, split):
    n = len(settings.shard_ranges(config, split))
    return expand(rules.encode.output.h5, tag=tag, split=split, shard=range(n))


def train_shards(wildcards):
    """The training-split shards of the {tag} wildcard's codes."""
    return shard_files(wildcards.tag, "train")


def code_shards(tags=None):
    """The code shards of the paper's dictionaries, every seed's unless ``tags`` are given."""
    tags = PAPER_TAGS if tags is None else tags
    return [f for lam in tags for split in SPLITS for f in shard_files(lam, split)]
