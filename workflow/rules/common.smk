# Configuration checks and every helper function of the rules, the stages' own below
# the shared ones (snakemake --lint keeps functions out of the files that hold rules).
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
            problems.append(
                f"`results` ({config['results']!r}) cannot hold the outputs: {unwritable}"
            )
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
# the analysis lambda's dictionaries, one per dictionary seed
ANALYSIS_TAGS = settings.analysis_tags(config)
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
    kind="random|images",
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
        raise WorkflowError(
            f"dictionary {tag!r} is not configured; dictionaries: {', '.join(DICTIONARIES)}"
        )
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


# ---- data --------------------------------------------------------------------


def data_source_files(wildcards):
    """The files the data set is read from: the MNIST wheel, or four IDX files."""
    if config["data"]["source"] == "mnist":
        # the wheel's content is fixed by its SHA-256, checked on every read. Once it is
        # there it is a source file (params.wheel), with no edge to the download: nothing
        # but a missing wheel can plan the download, and a download planned while the wheel
        # exists would hide every other job of that run (Snakemake 9.27 skips the jobs
        # below an ancient input whose producer re-runs, even those with missing outputs)
        return {} if Path(MNIST_WHEEL).exists() else {"wheel": MNIST_WHEEL}
    return settings.data_files(config)[0]


# ---- dictionary --------------------------------------------------------------


def continuation_input(wildcards):
    """The dictionary the {tag} wildcard's learner starts from, if any (continuation)."""
    source = settings.continuation_source(config, wildcards.tag)
    return {} if source is None else {"start": dictionary_file(source)}


def learner_seed_of(wildcards):
    """The learner's random seed for the {tag} wildcard's dictionary seed."""
    return settings.learner_seed(config, record_of(wildcards.tag).seed)


def record_attrs_of(wildcards):
    """The record (tag, lam, mu, dictionary_seed) of the {tag} wildcard's dictionary, as
    the learner writes it into the dictionary's file for every later stage to read."""
    return record_of(wildcards.tag).attrs()


# ---- sensitivity -------------------------------------------------------------


def code_sensitivity_tables(tags=None):
    """Per-sample sensitivity tables of the sparse codes, one per paper dictionary (every
    seed's unless ``tags`` are given)."""
    return expand(rules.code_sensitivity.output.tsv, tag=PAPER_TAGS if tags is None else tags)


def finite_tables(tags=None):
    return expand(rules.finite_sensitivity.output.tsv, tag=PAPER_TAGS if tags is None else tags)


# ---- evaluation --------------------------------------------------------------


# Representations evaluated in Section 6: pixels, the sparse code of each lambda, the MLP
# hidden layer and the random net of Eq. 8.
REPRESENTATIONS = ["pixels", *[f"lam_{tag}" for tag in PAPER_TAGS], "mlp", "random"]
EVALUATION_SEEDS = config["evaluation"]["seeds"]


def representation_inputs(wildcards):
    """The files that hold one representation of the training, validation and test images."""
    rep = wildcards.rep
    if rep == "pixels":
        return {}
    if rep == "mlp":
        return {"features": rules.train_mlp.output.hidden}
    if rep == "random":
        return {"features": rules.random_features.output.h5}
    lam = rep.removeprefix("lam_")
    return {f"{split}_shards": shard_files(lam, split) for split in SPLITS}


def evaluation_runs():
    return expand(rules.evaluate.output.tsv, rep=REPRESENTATIONS)


# ---- remedy ------------------------------------------------------------------


def paper_dictionary_of(wildcards):
    """The paper's dictionary (mu = 0) at the analysis lambda of the {tag} wildcard's
    dictionary seed: what a remedy dictionary is compared with."""
    seed = record_of(wildcards.tag).seed
    return dictionary_file(settings.dictionary_tag(config["analysis"]["lam"], 0.0, seed))


def remedy_shards():
    """The training codes of every remedy dictionary, mu by mu (as many shards each)."""
    return [path for tag in REMEDY_TAGS for path in shard_files(tag, "train")]


# ---- controls ----------------------------------------------------------------


# the control dictionaries of the analysis (controls.smk)
CONTROL_KINDS = config["analysis"]["controls"]


def control_tables(name):
    """One table ``name`` of the control jobs for every control and learned dictionary of
    the first seed."""
    return expand(getattr(rules.control.output, name), kind=CONTROL_KINDS, tag=FIRST_SEED_TAGS)
