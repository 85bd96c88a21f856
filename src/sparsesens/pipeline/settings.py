"""Everything the workflow derives from its validated configuration (a nested dict), under
one name: the Snakefile and the rules ask ``settings.<function>``.

The configuration is validated against ``workflow/schemas/config.schema.yaml`` and by
:func:`config_errors`; the functions live by what they are for, so each is testable without
Snakemake:

- :mod:`~sparsesens.pipeline.configuration`: overlaying configuration files, numbers from
  the command line;
- :mod:`~sparsesens.pipeline.dictionaries`: the dictionaries' seeds, tags and records,
  continuation, each learner's settings;
- :mod:`~sparsesens.pipeline.dataset`: the data set's name, files, split sizes, pixel scale
  and code shards;
- :mod:`~sparsesens.pipeline.params`: what rules hand their jobs (result settings, speed
  knobs, the encoder's options, stage seeds);
- :mod:`~sparsesens.pipeline.checks`: the checks beyond the schema.
"""

from sparsesens.pipeline.checks import RENAMED_KEYS, config_errors
from sparsesens.pipeline.configuration import merge_config, numbers_from_command_line
from sparsesens.pipeline.dataset import (
    MNIST_SCALE_FACTOR,
    data_files,
    dataset_name,
    n_images,
    scale_factor,
    shard_ranges,
    split_sizes,
)
from sparsesens.pipeline.dictionaries import (
    analysis_tags,
    continuation_source,
    dictionary_max_iter,
    dictionary_record,
    dictionary_records,
    dictionary_seeds,
    dictionary_settings,
    dictionary_tags,
    learner_seed,
    paper_tags,
    remedy_seeds,
    remedy_tags,
    remedy_weights,
)
from sparsesens.pipeline.params import (
    ELASTIC_KEYS,
    SPEED_KNOBS,
    encode_options,
    pick,
    result_settings,
    speed_knobs,
    stage_seed,
)
from sparsesens.records import DictionaryRecord, dictionary_tag, lambda_tag

__all__ = [
    "ELASTIC_KEYS", "MNIST_SCALE_FACTOR", "RENAMED_KEYS", "SPEED_KNOBS", "DictionaryRecord",
    "analysis_tags", "config_errors", "continuation_source", "data_files", "dataset_name",
    "dictionary_max_iter",
    "dictionary_record", "dictionary_records", "dictionary_seeds", "dictionary_settings",
    "dictionary_tag", "dictionary_tags", "encode_options", "lambda_tag", "learner_seed",
    "merge_config", "n_images", "numbers_from_command_line", "paper_tags", "pick",
    "remedy_seeds", "remedy_tags", "remedy_weights", "result_settings", "scale_factor",
    "shard_ranges", "speed_knobs", "split_sizes", "stage_seed",
]
