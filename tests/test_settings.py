import copy
from pathlib import Path

import numpy as np
import pytest
import yaml

from sparsesens import io
from sparsesens.dictionary.options import OnlineOptions
from sparsesens.pipeline import settings
from tests.test_idx import write_idx_dataset

REPO = Path(__file__).resolve().parents[1]
SCHEMA = yaml.safe_load((REPO / "workflow/schemas/config.schema.yaml").read_text())


@pytest.fixture
def config():
    return yaml.safe_load((REPO / "config.yaml").read_text())


def test_default_config_is_the_papers(config):
    assert settings.config_errors(config, SCHEMA) == []
    assert config["lambdas"] == [0.03, 0.1, 0.3, 0.9, 3.0]
    assert config["dictionary"]["n_atoms"] == 784
    assert config["codes"]["tol_inactive"] == 1e-5 and config["codes"]["tol_active"] == 1e-4
    paper = {"n_samples": 4000, "elastic_grid": 5, "elastic_sigma": 0.25, "elastic_order": 3}
    assert {key: config["sensitivity"][key] for key in paper} == paper
    assert config["analysis"]["lam"] == 0.3
    assert config["mlp"]["schedule"] == [{"steps": 1000, "lr": 0.1}, {"steps": 1000, "lr": 0.01}]
    assert config["random_net"]["width"] == 7840
    assert config["evaluation"]["labels_per_class"] == [1, 3, 10, 30, 100, 300, 1000, 3000]
    assert len(config["evaluation"]["seeds"]) == 5
    assert config["evaluation"]["weight_decays"] == [1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1.0]


@pytest.mark.parametrize("preset", ["smoke", "quick", "fashion-mnist"])
def test_presets_merge_into_valid_configs(config, preset):
    override = yaml.safe_load((REPO / f"presets/{preset}.yaml").read_text())
    merged = settings.merge_config(config, override)
    assert settings.config_errors(merged, SCHEMA) == []
    assert merged["results"] == f"results/{preset}"


def test_merge_config_updates_sections_key_by_key_and_replaces_lists(config):
    merged = settings.merge_config(config, {"data": {"scaling": "center"}},
                                   {"lambdas": [0.3], "data": {"subset": {"train": 10}}})
    assert merged["data"]["scaling"] == "center"
    assert merged["data"]["subset"] == {"train": 10, "valid": None, "test": None}
    assert merged["lambdas"] == [0.3]
    # the fidelity study's decision: pixels divided by MNIST's standard deviation
    assert config["data"]["scaling"] == "scale" and len(config["lambdas"]) == 5
    assert settings.scale_factor(config) == pytest.approx(1 / 0.3081, rel=1e-15)


@pytest.mark.parametrize("mutate, key, words", [
    (lambda c: c.update(lambdas=[-1]), "lambdas.0", "less than or equal to the minimum"),
    (lambda c: c.update(lambda_=[0.3]), "(top level)", "'lambda_' was unexpected"),
    (lambda c: c["codes"].update(shard_size="big"), "codes.shard_size", "not of type 'integer'"),
    (lambda c: c.update(device="tpu"), "device", "is not one of ['auto', 'cpu', 'cuda']"),
    (lambda c: c["dictionary"].update(method="paper",
                                      max_iter_per_lambda=[{"lam": 0.33, "max_iter": 5}]),
     "dictionary.max_iter_per_lambda.0.lam", "not one of lambdas"),
    (lambda c: c["data"]["subset"].update(train=1000), "evaluation.labels_per_class",
     "need at least 36000 training images"),
    (lambda c: c["codes"].update(max_fista_iter=10), "codes.max_fista_iter",
     "smaller than codes.fista_iter"),
    (lambda c: c["analysis"].update(lam=0.5), "analysis.lam", "not one of lambdas"),
    (lambda c: c["sensitivity"].update(finite_samples=5000), "sensitivity.finite_samples",
     "larger than sensitivity.n_samples"),
    (lambda c: c["data"].update(source="fashion-mnist"), "data.scale_factor",
     "MNIST's 1 / 0.3081, but the source is 'fashion-mnist'"),
    (lambda c: c["data"].update(source="arrays"), "data.arrays", "needs {path"),
    (lambda c: c["data"].update(source="arrays", arrays={"path": "/nowhere.npz", "sha256": None},
                                scale_factor=2.0), "data.arrays.path", "/nowhere.npz"),
    (lambda c: c["data"].update(arrays={"path": "x.npz", "sha256": "abc"}),
     "data.arrays", "is not valid under any of the given schemas"),
])
def test_bad_values_name_the_key(config, mutate, key, words):
    mutate(config)
    problems = settings.config_errors(config, SCHEMA)
    assert any(f"`{key}`" in p and words in p for p in problems), problems


def test_derived_values(config):
    assert settings.lambda_tag(3.0) == "3.0" and settings.lambda_tag(0.03) == "0.03"
    assert settings.dictionary_record(config, "0.3") == settings.DictionaryRecord(0.3, 0.0)
    with pytest.raises(ValueError, match="dictionaries: 0.03, 0.1"):
        settings.dictionary_record(config, "0.5")
    assert settings.dictionary_max_iter(config, 0.03) == 40000
    assert settings.dictionary_max_iter(config, 0.3) == config["dictionary"]["max_iter"]
    config["data"]["subset"]["valid"] = 2500
    config["codes"]["shard_size"] = 1000
    assert settings.shard_ranges(config, "valid") == [(0, 1000), (1000, 2000), (2000, 2500)]
    assert len(settings.shard_ranges(config, "train")) == 50


def test_stage_seeds_differ_by_stage_and_follow_the_root_seed(config):
    seeds = {stage: settings.stage_seed(config, stage) for stage in ("mlp", "perturbations")}
    assert seeds["mlp"] != seeds["perturbations"]
    assert settings.stage_seed(config, "mlp") == seeds["mlp"]
    config["seed"] = 1
    assert settings.stage_seed(config, "mlp") != seeds["mlp"]


def test_the_online_learner_is_the_default_and_the_paper_learner_one_preset_away(config):
    assert config["dictionary"]["method"] == "online"
    for base in ("smoke", "quick", None):
        layers = [] if base is None else [yaml.safe_load(
            (REPO / f"presets/{base}.yaml").read_text())]
        layers.append(yaml.safe_load((REPO / "presets/paper-learner.yaml").read_text()))
        merged = settings.merge_config(config, *layers)
        assert settings.config_errors(merged, SCHEMA) == []
        assert merged["dictionary"]["method"] == "paper"


def test_each_penalty_of_the_remedy_is_one_more_dictionary_at_the_analysis_lambda(config):
    config["dictionary"]["orthogonality"] = [1.0e-3, 0.0, 1.0e-5]
    assert settings.remedy_weights(config) == [0.0, 1e-5, 1e-3]
    assert settings.remedy_tags(config) == ["0.3", "0.3_mu1e-05", "0.3_mu0.001"]
    assert settings.dictionary_tags(config) == ["0.03", "0.1", "0.3", "0.9", "3.0",
                                                "0.3_mu1e-05", "0.3_mu0.001"]
    records = settings.dictionary_records(config)
    assert list(records) == settings.dictionary_tags(config)
    assert all(tag == record.tag for tag, record in records.items())
    assert records["0.3_mu0.001"] == settings.DictionaryRecord(0.3, 1e-3)
    assert settings.dictionary_record(config, "0.9").mu == 0.0
    with pytest.raises(ValueError, match="'0.9_mu0.001' is not configured"):
        settings.dictionary_record(config, "0.9_mu0.001")  # only at the analysis lambda
    assert settings.dictionary_settings(config, 0.3, 1e-3)["orthogonality"] == 1e-3
    # the paper's dictionaries do not depend on the grid: adding a mu re-runs none of them
    before = settings.dictionary_settings(config, 0.3, 0.0)
    config["dictionary"]["orthogonality"].append(0.1)
    assert settings.dictionary_settings(config, 0.3, 0.0) == before


def test_continuation_chains_each_lambda_to_the_next_larger_and_each_penalty_to_the_next(
        config):
    config["dictionary"]["orthogonality"] = [0.0, 1.0e-3, 1.0e-2]
    sources = {tag: settings.continuation_source(config, tag)
               for tag in settings.dictionary_tags(config)}
    assert sources == {"3.0": None, "0.9": "3.0", "0.3": "0.9", "0.1": "0.3", "0.03": "0.1",
                       "0.3_mu0.001": "0.3", "0.3_mu0.01": "0.3_mu0.001"}
    config["dictionary"]["online"]["continuation"] = False
    assert {settings.continuation_source(config, tag)
            for tag in settings.dictionary_tags(config)} == {None}
    config["dictionary"]["online"]["continuation"] = True
    config["dictionary"]["method"] = "paper"   # the paper's learner starts from its draw
    assert settings.continuation_source(config, "0.03") is None


def test_each_dictionary_seed_learns_every_lambda_in_its_own_chain(config):
    config["lambdas"] = [0.3, 3.0]
    config["dictionary"]["orthogonality"] = [0.0, 1.0e-3]
    assert settings.dictionary_tags(config) == ["0.3", "3.0", "0.3_mu0.001"]
    config["dictionary"]["seeds"] = 3
    assert settings.config_errors(config, SCHEMA) == []
    assert settings.dictionary_seeds(config) == [0, 1, 2]
    assert settings.paper_tags(config) == ["0.3", "3.0", "0.3_s1", "3.0_s1", "0.3_s2",
                                           "3.0_s2"]
    assert settings.paper_tags(config, seed=0) == ["0.3", "3.0"]
    records = settings.dictionary_records(config)
    penalties = ["0.3_mu0.001", "0.3_mu0.001_s1", "0.3_mu0.001_s2"]
    assert list(records) == [*settings.paper_tags(config), *penalties]
    assert records["0.3_s2"] == settings.DictionaryRecord(0.3, 0.0, 2)
    assert records["0.3_mu0.001_s1"] == settings.DictionaryRecord(0.3, 1e-3, 1)
    assert all(tag == record.tag for tag, record in records.items())
    assert settings.remedy_tags(config) == ["0.3", "0.3_mu0.001", "0.3_s1", "0.3_mu0.001_s1",
                                            "0.3_s2", "0.3_mu0.001_s2"]
    assert settings.remedy_tags(config, penalties_only=True) == penalties
    # a seed's chain stays within the seed, the remedy's too
    assert {tag: settings.continuation_source(config, tag) for tag in records} == {
        "3.0": None, "0.3": "3.0", "3.0_s1": None, "0.3_s1": "3.0_s1", "3.0_s2": None,
        "0.3_s2": "3.0_s2", "0.3_mu0.001": "0.3", "0.3_mu0.001_s1": "0.3_s1",
        "0.3_mu0.001_s2": "0.3_s2"}
    # seed 0 draws from the root seed, as runs before seeds did; the others differ
    learner_seeds = [settings.learner_seed(config, seed) for seed in range(3)]
    assert learner_seeds[0] == config["seed"] and len(set(learner_seeds)) == 3
    config["dictionary"]["seeds"] = 0
    assert any("seeds" in problem for problem in settings.config_errors(config, SCHEMA))


def test_the_remedy_is_learned_for_the_first_remedy_seeds_only(config):
    config["lambdas"] = [0.3, 3.0]
    config["dictionary"].update(orthogonality=[0.0, 1.0e-3], seeds=3, remedy_seeds=2)
    assert settings.config_errors(config, SCHEMA) == []
    assert settings.remedy_seeds(config) == [0, 1]
    assert settings.remedy_tags(config) == ["0.3", "0.3_mu0.001", "0.3_s1", "0.3_mu0.001_s1"]
    records = settings.dictionary_records(config)
    assert list(records) == [*settings.paper_tags(config), "0.3_mu0.001", "0.3_mu0.001_s1"]
    config["dictionary"]["remedy_seeds"] = None  # every seed, the default
    assert settings.remedy_seeds(config) == [0, 1, 2]
    config["dictionary"]["remedy_seeds"] = 4
    problems = settings.config_errors(config, SCHEMA)
    assert problems == ["config key `dictionary.remedy_seeds`: 4 is more than dictionary.seeds "
                        "(3); the remedy is learned for the first of those seeds (null: every "
                        "one)"], problems
    config["dictionary"]["remedy_seeds"] = 0
    assert any("dictionary.remedy_seeds" in problem
               for problem in settings.config_errors(config, SCHEMA))


@pytest.mark.parametrize("weights, words", [
    ([1.0e-3], "lacks 0"), ([0.0, -1.0], "less than the minimum"),
    ([0.0, 0.0], "non-unique"), (0.0, "is not of type 'array'")])
def test_a_bad_remedy_grid_is_refused(config, weights, words):
    config["dictionary"]["orthogonality"] = weights
    problems = settings.config_errors(config, SCHEMA)
    assert any("`dictionary.orthogonality" in p and words in p for p in problems), problems


def test_dictionary_settings_name_only_what_the_chosen_learner_reads(config):
    online = copy.deepcopy(settings.dictionary_settings(config, 0.3, 0.0))
    learner = {key: value for key, value in config["dictionary"]["online"].items()
               if key not in ("checkpoint_minutes", "continuation")}
    assert online == {"method": "online", "n_atoms": 784, "orthogonality": 0.0,
                      "online": learner}
    OnlineOptions.from_mapping(online["online"])  # every key is the learner's
    config["dictionary"]["lr_codes"] = 0.5  # a key of the paper's learner
    config["dictionary"]["online"]["checkpoint_minutes"] = 1  # how often its state is kept
    assert settings.dictionary_settings(config, 0.3, 0.0) == online
    config["dictionary"]["method"] = "paper"
    paper = copy.deepcopy(settings.dictionary_settings(config, 0.3, 0.0))
    assert "online" not in paper and paper["lr_codes"] == 0.5 and paper["window"] == 200
    # the paper's learner also reads its iteration cap at the dictionary's lambda
    assert paper["max_iter"] == config["dictionary"]["max_iter"]
    assert settings.dictionary_settings(config, 0.03, 0.0)["max_iter"] == 40000
    assert paper["orthogonality"] == 0.0  # both learners read the remedy
    config["dictionary"]["online"]["code_steps"] += 1  # a key of the online learner
    assert settings.dictionary_settings(config, 0.3, 0.0) == paper


def test_an_unknown_learner_is_refused(config):
    config["dictionary"]["method"] = "sgd"
    problems = settings.config_errors(config, SCHEMA)
    assert len(problems) == 1 and "dictionary.method" in problems[0] and "online" in problems[0]


def test_a_renamed_key_is_refused_with_its_new_name(config):
    # an old configfile overlaid on config.yaml: the old key beside the new one
    config["codes"]["batch_size"] = 500
    problems = settings.config_errors(config, SCHEMA)
    assert problems == ["config key `codes.batch_size` was renamed `codes.chunk_size` (images "
                        "solved together, a memory knob); write `codes.chunk_size` instead"]
    del config["codes"]["batch_size"]
    assert settings.config_errors(config, SCHEMA) == []


def test_numbers_from_the_command_line_are_numbers_again(config):
    given = {**config, "lambdas": ["0.3", "3"], "analysis": {**config["analysis"], "lam": "0.3"},
             "data": {**config["data"], "scaling": "none"}}
    fixed = settings.numbers_from_command_line(given)
    assert fixed["lambdas"] == [0.3, 3] and fixed["analysis"]["lam"] == 0.3
    assert fixed["data"]["scaling"] == "none" and fixed["results"] == config["results"]
    assert given["lambdas"] == ["0.3", "3"]  # the input is left alone
    assert settings.config_errors(fixed, SCHEMA) == []


def test_rules_params_leave_out_speed_knobs(config):
    codes = settings.result_settings(config, "codes", "shard_size")
    assert "chunk_size" not in codes and "shard_size" not in codes and codes["tol_active"]
    assert "chunk_size" not in settings.result_settings(config, "random_net")
    evaluation = settings.result_settings(config, "evaluation", "seeds")
    assert set(evaluation) == {"labels_per_class", "weight_decays", "wider_weight_decays",
                               "logistic_max_iter", "bootstrap_resamples"}
    options = settings.encode_options(config["codes"], 123)
    assert options.chunk_size == 123 and options.solver == config["codes"]["solver"]


def test_speed_knobs_reach_scripts_as_one_namespace_param(config):
    knobs = settings.speed_knobs(config, "codes.chunk_size",
                                 "dictionary.online.checkpoint_minutes")
    assert knobs.codes_chunk_size == config["codes"]["chunk_size"]
    assert knobs.dictionary_online_checkpoint_minutes == \
        config["dictionary"]["online"]["checkpoint_minutes"]
    # Snakemake leaves params that are not plain values out of its re-run decision
    assert not isinstance(knobs, (int, float, str, list, tuple, dict, set))
    with pytest.raises(ValueError, match="codes.shard_size"):
        settings.speed_knobs(config, "codes.shard_size")


def test_no_script_reads_the_config_beside_its_params():
    scripts = Path(__file__).resolve().parents[1] / "workflow/scripts"
    readers = [path.name for path in scripts.glob("*.py") if ".config" in path.read_text()]
    assert readers == []


def test_a_data_source_names_its_files_and_hashes(config, tmp_path):
    assert settings.data_files(config) == ({}, {})   # MNIST comes from its wheel
    fashion = settings.merge_config(config, {"data": {"source": "fashion-mnist",
                                                      "fashion_mnist_dir": "/data/fm"}})
    paths, digests = settings.data_files(fashion)
    assert paths["train_images"] == "/data/fm/train-images-idx3-ubyte.gz"
    assert set(digests) == set(paths) and all(len(d) == 64 for d in digests.values())
    own = {name: {"path": str(path), "sha256": None}
           for name, path in write_idx_dataset(tmp_path, side=14, n_train=130, n_test=40).items()}
    mine = settings.merge_config(config, {"data": {"source": "idx", "idx": own,
                                                   "valid_from_train": 30}})
    # another data set than MNIST states its own pixel factor (or is not scaled by one)
    assert any("`data.scale_factor`" in p for p in settings.config_errors(mine, SCHEMA))
    mine["data"]["scale_factor"] = 2.5
    mine["evaluation"]["labels_per_class"] = [1, 3]
    assert settings.config_errors(mine, SCHEMA) == []
    assert settings.data_files(mine)[0]["test_labels"] == own["test_labels"]["path"]
    # the counts come from the files' headers, the validation split from the configuration
    assert settings.split_sizes(mine) == {"train": 100, "valid": 30, "test": 40}
    assert settings.dataset_name(mine) == "idx"
    mine["data"]["valid_from_train"] = 500
    assert any("`data.valid_from_train`" in p and "130 training images" in p
               for p in settings.config_errors(mine, SCHEMA))
    # a missing file is named before any work is done
    gone = copy.deepcopy(mine)
    gone["data"]["valid_from_train"] = 30
    gone["data"]["idx"]["test_images"]["path"] = str(tmp_path / "absent.gz")
    assert any("`data.idx`" in p and "absent.gz" in p
               for p in settings.config_errors(gone, SCHEMA))
    # source idx without its files, or with a hash that is not one, is refused by name
    unnamed = settings.merge_config(config, {"data": {"source": "idx"}})
    assert any("`data.idx`" in p for p in settings.config_errors(unnamed, SCHEMA))
    own["test_labels"]["sha256"] = "xyz"
    bad = settings.merge_config(config, {"data": {"source": "idx", "idx": own}})
    assert any("data.idx" in p for p in settings.config_errors(bad, SCHEMA))


def test_the_data_set_file_is_named_after_the_data_set(config):
    assert settings.dataset_name(config) == "mnist"
    config["data"].update(source="fashion-mnist")
    assert settings.dataset_name(config) == "fashion-mnist"
    # its pinned 60,000 training images split by the configuration too
    config["data"]["valid_from_train"] = 5000
    assert settings.split_sizes(config) == {"train": 55_000, "valid": 5000, "test": 10_000}
    config["data"].update(valid_from_train=60_000, scale_factor=2.0)
    assert any("`data.valid_from_train`" in p for p in settings.config_errors(config, SCHEMA))
    config["data"].update(source="arrays", arrays={"path": "/data/my digits.npz",
                                                   "sha256": None})
    assert settings.dataset_name(config) == "my digits"
    config["data"]["name"] = "digits"
    assert settings.dataset_name(config) == "digits"
    config["data"]["name"] = "../elsewhere"
    assert any("`data.name`" in p for p in settings.config_errors(config, SCHEMA))


def test_an_arrays_data_set_gives_its_counts_from_the_headers(config, tmp_path):
    rng = np.random.default_rng(0)
    arrays = {f"{split}_{kind}": (rng.integers(0, 256, (n, 12, 12), dtype=np.uint8)
                                  if kind == "images" else rng.integers(0, 10, n))
              for split, n in (("train", 70), ("valid", 20), ("test", 30))
              for kind in ("images", "labels")}
    np.savez(tmp_path / "d.npz", **arrays)
    config["data"].update(source="arrays", arrays={"path": str(tmp_path / "d.npz"),
                                                   "sha256": None}, scale_factor=2.0)
    assert settings.split_sizes(config) == {"train": 70, "valid": 20, "test": 30}
    config["data"]["subset"] = {"train": 50, "valid": None, "test": 100}
    assert [settings.n_images(config, s) for s in ("train", "valid", "test")] == [50, 20, 30]
    assert settings.data_files(config) == ({"arrays": str(tmp_path / "d.npz")},
                                           {"arrays": None})
    splits, side = io.load_array_dataset(tmp_path / "d.npz")
    assert side == 12 and splits["train"][0].shape == (70, 144)
    assert splits["valid"][0].max() <= 1.0 and splits["test"][1].dtype == np.int64
    with pytest.raises(io.CorruptFileError, match="expects"):
        io.load_array_dataset(tmp_path / "d.npz", sha256="0" * 64)
    del arrays["valid_labels"]
    np.savez(tmp_path / "short.npz", **arrays)
    with pytest.raises(io.CorruptFileError, match="lacks the arrays \\['valid_labels'\\]"):
        io.array_split_sizes(tmp_path / "short.npz")


def test_the_online_learners_defaults_are_the_configs(config):
    # the Python API learns with the learner's own defaults: they must be config.yaml's
    import inspect

    from sparsesens.dictionary.online import learn_dictionary_online

    defaults = inspect.signature(learn_dictionary_online).parameters
    for key, value in config["dictionary"]["online"].items():
        if key in defaults:
            assert defaults[key].default == value, key
