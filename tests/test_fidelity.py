"""The fidelity study (studies/fidelity.py, with studies/candidates.py): its candidates, and
real runs at smoke scale."""

from __future__ import annotations

import importlib.util
import subprocess
import sys

import h5py
import pandas as pd
import pytest
import yaml

from sparsesens.claims import STATUSES
from sparsesens.pipeline import settings
from tests.conftest import REPO

SCHEMA = yaml.safe_load((REPO / "workflow/schemas/config.schema.yaml").read_text())
_spec = importlib.util.spec_from_file_location("fidelity", REPO / "studies/fidelity.py")
fidelity = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(fidelity)


@pytest.mark.parametrize("preset", ["smoke", "quick", "full"])
def test_every_candidate_is_a_valid_configuration(preset):
    base = settings.merge_config(
        yaml.safe_load((REPO / "config.yaml").read_text()),
        *(yaml.safe_load((REPO / f).read_text()) for f in fidelity.PRESETS[preset]))
    cap = base["dictionary"]["online"]["max_epochs"]  # the default learner's length
    every = fidelity.candidates(base)
    assert {"baseline", "pixels as given", "center", "standardise", "half training",
            "double training",
            "scale 2", "scale 3.246", "scale 4", "normalize"} <= set(every)
    for name, (_, overlay) in every.items():
        config = settings.merge_config(base, overlay)
        assert settings.config_errors(config, SCHEMA) == [], name

    def epochs(name):
        online = settings.merge_config(base, every[name][1])["dictionary"]["online"]
        assert online["rel_tol"] == 0  # a fixed length: half and double mean what they say
        return online["max_epochs"]

    assert epochs("double training") == 2 * cap and epochs("half training") == cap // 2
    assert settings.merge_config(base, every["standardise"][1])["data"]["scaling"] == "standardise"
    data = settings.merge_config(base, every["scale 3.246"][1])["data"]
    assert data["scaling"] == "scale" and abs(data["scale_factor"] - 1 / 0.3081) < 1e-12


def test_every_candidate_runs_only_the_analysis_lambda_and_the_largest_label_count():
    base = settings.merge_config(yaml.safe_load((REPO / "config.yaml").read_text()))
    scoped = settings.merge_config(base, fidelity.scope(base))
    assert settings.config_errors(scoped, SCHEMA) == []
    assert scoped["lambdas"] == [0.3] and scoped["evaluation"]["labels_per_class"] == [3000]
    assert scoped["evaluation"]["seeds"] == [0]


def test_with_the_papers_learner_the_length_candidates_change_its_iterations():
    base = settings.merge_config(yaml.safe_load((REPO / "config.yaml").read_text()),
                                 {"dictionary": {"method": "paper"}})
    lam = base["analysis"]["lam"]
    cap = settings.dictionary_max_iter(base, lam)
    every = fidelity.candidates(base)
    for name, factor in (("double training", 2), ("half training", 0.5)):
        config = settings.merge_config(base, every[name][1])
        assert settings.config_errors(config, SCHEMA) == [], name
        assert settings.dictionary_max_iter(config, lam) == int(cap * factor)


@pytest.mark.slow
def test_fidelity_study_runs_each_candidate_through_the_workflow(workdir):
    cmd = [sys.executable, str(REPO / "studies/fidelity.py"), "--preset", "smoke",
           "--candidates", "pixels as given,scale 2", "--cores", "2",
           "--workdir", str(workdir)]
    run = subprocess.run(cmd, capture_output=True, text=True, timeout=900, check=False)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    table = pd.read_csv(workdir / "results/smoke/analysis/fidelity.tsv", sep="\t")
    assert table["candidate"].tolist() == ["pixels as given", "scale 2", "paper"]
    paper = table.set_index("candidate").loc["paper"]
    assert paper["n_active"] == 122 and paper["mlp_train_accuracy"] == 0.987
    measured = table[table.candidate != "paper"].set_index("candidate")
    compared = [*fidelity.QUANTITIES, "mean_active_per_image", "sparse_noise_median",
                "mlp_distortion_median", "mlp_valid_accuracy", "pixels_knn_euclidean",
                "sparse_logistic", "random_logistic"]
    assert measured[compared].notna().all().all()
    assert (measured["n_active"] > 0).all() and (measured["iterations"] > 0).all()
    assert measured["effective_lam"].tolist() == pytest.approx([0.3, 0.15])
    # each candidate ran in its own root with its own setting
    for name, scaling in [("pixels_as_given", "none"), ("scale_2", "scale")]:
        with h5py.File(workdir / f"results/smoke/fidelity/{name}/data/mnist.h5") as h5:
            assert h5.attrs["scaling"] == scaling
    # a different input gives a different dictionary, hence different numbers
    assert measured["final_loss"].nunique() == 2
    # the Euclidean neighbours of pixels do not see a common factor
    assert measured["pixels_knn_euclidean"].nunique() == 1
    # every prediction judged by the claims table's own criterion, for each candidate
    verdicts = pd.read_csv(workdir / "results/smoke/analysis/fidelity_claims.tsv", sep="\t")
    for name, rows in verdicts.groupby("candidate"):
        assert set(fidelity.PREDICTIONS) <= set(rows["id"])
        assert set(rows["status"]) <= set(STATUSES)
        passed = rows[rows.id.isin(fidelity.PREDICTIONS) & (rows.status == "PASS")]
        assert measured.loc[name, "predictions_passed"] == len(passed)
    digits = pd.read_csv(workdir / "results/smoke/analysis/fidelity_digits.tsv", sep="\t")
    assert digits.groupby("candidate")["digit"].apply(list).to_dict() == {
        name: ["train 0", "valid 0", "test 0"] for name in ("pixels as given", "scale 2")}
