"""The paper's proposed remedy: a penalty on the atoms' overlaps, in both learners."""

from __future__ import annotations

import importlib.util

import numpy as np
import pandas as pd
import pytest
import torch

from sparsesens import io
from sparsesens.dictionary import (
    learn_dictionary,
    max_coherence,
    overlap_gradient,
    overlap_penalty,
)
from sparsesens.dictionary.online import learn_dictionary_online
from sparsesens.dictionary.options import OnlineOptions
from tests.conftest import REPO
from tests.test_dictionary_online import _images


def mean_squared_overlap(D: np.ndarray) -> float:
    G = D.T @ D
    return float((G[np.triu_indices(len(G), 1)] ** 2).mean())


def test_the_penalty_is_half_mu_times_the_squared_overlaps_of_all_pairs():
    D = torch.nn.functional.normalize(torch.randn(10, 6, dtype=torch.float64), dim=0)
    pairs = [(i, j) for i in range(6) for j in range(i + 1, 6)]
    explicit = 0.7 / 2 * sum(float(D[:, i] @ D[:, j]) ** 2 for i, j in pairs)
    assert overlap_penalty(D, 0.7) == pytest.approx(explicit, rel=1e-12)
    assert overlap_penalty(D, 0.0) == 0.0
    # its gradient, by autograd
    leaf = D.clone().requires_grad_(True)
    G = leaf.T @ leaf
    (0.7 / 4 * ((G ** 2).sum() - (torch.diagonal(G) ** 2).sum())).backward()
    torch.testing.assert_close(overlap_gradient(D, 0.7), leaf.grad)


@pytest.mark.parametrize("bad", [-0.1, float("nan")])
def test_a_negative_weight_is_refused_by_both_learners(bad):
    X = _images(n=50)
    with pytest.raises(ValueError, match="orthogonality must be >= 0"):
        learn_dictionary_online(X, 0.1, n_atoms=8, orthogonality=bad)
    with pytest.raises(ValueError, match="orthogonality must be >= 0"):
        learn_dictionary(X, 0.1, n_atoms=8, orthogonality=bad)


def test_the_online_learner_with_the_penalty_makes_the_atoms_more_orthogonal():
    X = _images()
    resampled = {}
    options = OnlineOptions(batch_size=64, max_epochs=25, rel_tol=0)
    runs = {mu: learn_dictionary_online(
        X, 0.1, options, n_atoms=24, orthogonality=mu,
        on_resample=lambda epoch, n, mu=mu: resampled.setdefault(mu, set()).add(epoch))
        for mu in (0.0, 0.05, 0.5)}
    overlap = {mu: mean_squared_overlap(run.D) for mu, run in runs.items()}
    assert overlap[0.5] < overlap[0.05] < overlap[0.0]
    assert max_coherence(runs[0.5].D) < max_coherence(runs[0.0].D)
    # the penalised objective falls as the unpenalised one does (float32 rounding aside),
    # except where an atom no code used was replaced by a residual (which may overlap)
    curve = runs[0.5].objective
    steady = [epoch for epoch in range(2, len(curve) + 1)
              if epoch not in resampled.get(0.5, set())]
    rises = [curve[e - 1] - curve[e - 2] for e in steady]
    assert max(rises) <= 1e-4 * curve[-1] and curve[-1] < 0.6 * curve[0]
    # mu = 0 is the learner as it was
    plain = learn_dictionary_online(X, 0.1, OnlineOptions(batch_size=64, max_epochs=25, rel_tol=0),
                                    n_atoms=24)
    np.testing.assert_array_equal(plain.D, runs[0.0].D)


def test_the_papers_learner_with_the_penalty_makes_the_atoms_more_orthogonal():
    X = _images(n=200)
    runs = {mu: learn_dictionary(X, 0.1, n_atoms=24, max_iter=300, rel_tol=0,
                                 lr_codes=1e-2, lr_dictionary=1e-3, orthogonality=mu)
            for mu in (0.0, 0.5)}
    assert mean_squared_overlap(runs[0.5].D) < mean_squared_overlap(runs[0.0].D)
    plain = learn_dictionary(X, 0.1, n_atoms=24, max_iter=300, rel_tol=0, lr_codes=1e-2,
                             lr_dictionary=1e-3)
    np.testing.assert_array_equal(plain.D, runs[0.0].D)


def test_the_remedy_row_of_a_dictionary_adds_up_and_matches_the_digit_analysis():
    from scipy.sparse import csr_array

    from sparsesens import analysis, lasso, remedy

    X = _images(n=60).astype(np.float64)
    D = learn_dictionary_online(X, 0.1, OnlineOptions(batch_size=30, max_epochs=5), n_atoms=16).D
    codes = lasso.encode(X, D, 0.1).codes
    row = remedy.dictionary_quantities(X, D, csr_array(codes), 0.1, digit=3, n_pairs=4)
    objective = lasso.lasso_objective(X, D, codes, 0.1)
    assert row["certified_objective"] == pytest.approx(objective.mean(), rel=1e-9)
    residual = X - codes @ D.T
    assert row["reconstruction"] == pytest.approx(0.5 * (residual ** 2).sum(1).mean())
    assert row["mean_active"] == pytest.approx((codes != 0).sum(1).mean())
    assert row["max_coherence"] == pytest.approx(max_coherence(D))
    assert row["mean_squared_overlap"] == pytest.approx(mean_squared_overlap(D))
    digit = analysis.digit_numbers(D, codes[3], 4)
    assert {q: row[q] for q in remedy.DIGIT_QUANTITIES} == pytest.approx(
        {q: digit[q] for q in remedy.DIGIT_QUANTITIES})


def test_a_remedy_row_reads_only_its_own_dictionarys_rows_of_every_table():
    from scipy.sparse import csr_array

    from sparsesens import lasso, remedy
    from sparsesens.records import DictionaryRecord

    X = _images(n=60).astype(np.float64)
    D = learn_dictionary_online(X, 0.1, OnlineOptions(batch_size=30, max_epochs=3), n_atoms=16).D
    codes = csr_array(lasso.encode(X, D, 0.1).codes)
    n = 40
    ratio = np.random.default_rng(2).uniform(1.0, 2.0, n)

    def sensitivity(mu, seed, factor):  # 1e-3 went through text: 0.0010000000000000002
        return pd.DataFrame({"sample": np.tile(np.arange(n), 2), "mu": mu,
                             "dictionary_seed": seed, "perturbation": np.repeat(
                                 ["swap", "distortion"], n),
                             "ratio": np.concatenate([ratio, factor * ratio])})

    tables = {
        "sensitivity": pd.concat([sensitivity(0.0, 0, 1.5), sensitivity(0.0, 1, 9.0),
                                  sensitivity(1e-3 + 2e-19, 0, 1.2),
                                  sensitivity(1e-3, 1, 7.0)]),
        "rip": pd.DataFrame({"mu": [0.0, 1e-3, 1e-3], "dictionary_seed": [0, 0, 1],
                             "delta": [0.9, 0.4, 5.0]}),
        "matched": sensitivity(1e-3, 0, 1.1).assign(lam_matched=0.2, mean_active=9.0,
                                                    target_active=9.5),
        "evaluation": pd.DataFrame({"mu": [1e-3, 1e-3, 0.0], "dictionary_seed": [0, 0, 0],
                                    "classifier": "logistic", "k": 10, "seed": [0, 1, 0],
                                    "train_acc": 1.0, "test_acc": [0.6, 0.8, 0.1]}),
    }
    record = DictionaryRecord(lam=0.1, mu=1e-3, seed=0)
    row, accuracy = remedy.remedy_row(X, D, codes, record, tables, digit=3, n_pairs=4)
    assert row["mu"] == 1e-3 and row["dictionary_seed"] == 0
    assert row["rip_delta_median"] == 0.4  # not seed 1's 5.0 nor mu 0's 0.9
    assert row["distortion_median"] == pytest.approx(1.2 * np.median(ratio))
    # matched against the same seed's paper dictionary (1.5), not seed 1's (9.0)
    assert row["distortion_effect"] == 1.0 and row["matched_distortion_swap"] == \
        pytest.approx(1.1)
    assert accuracy["test_mean"].tolist() == pytest.approx([0.7])
    assert accuracy[["mu", "dictionary_seed"]].values.tolist() == [[1e-3, 0]]


def test_the_remedy_table_has_one_row_per_mu_with_the_accuracy_at_the_most_labels():
    import pandas as pd

    from sparsesens import remedy
    from sparsesens.evaluation import seed_summary

    samples = pd.DataFrame({"perturbation": ["noise", "noise", "noise", "swap", "swap"],
                            "ratio": [1.0, 3.0, 2.0, 5.0, np.inf]})
    # a non-finite ratio (a code without a derivative there) is left out, as in the summary
    assert remedy.sensitivity_medians(samples) == {"noise_median": 2.0, "swap_median": 5.0}
    runs = pd.DataFrame({"classifier": ["logistic"] * 4, "k": [1, 1, 10, 10],
                         "seed": [0, 1, 0, 1], "train_acc": [1.0] * 4,
                         "test_acc": [0.5, 0.7, 0.8, 0.9]})
    per_mu = seed_summary(runs, ["classifier", "k"])
    accuracy = pd.concat([per_mu.assign(mu=0.01, dictionary_seed=0),
                          per_mu.assign(mu=0.0, dictionary_seed=0),
                          per_mu.assign(mu=0.0, dictionary_seed=1, test_mean=0.5)])
    rows = [{"mu": 0.01, "dictionary_seed": 0, "x": 2.0},
            {"mu": 0.0, "dictionary_seed": 1, "x": 3.0},
            {"mu": 0.0, "dictionary_seed": 0, "x": 1.0}]
    table = remedy.remedy_table(rows, accuracy)
    assert table["mu"].tolist() == [0.0, 0.01, 0.0] and table["x"].tolist() == [1.0, 2.0, 3.0]
    assert table["dictionary_seed"].tolist() == [0, 0, 1]
    assert table["logistic"].tolist() == pytest.approx([0.85, 0.85, 0.5])


def test_matching_lambda_finds_the_paper_sparsity_from_either_side():
    from sparsesens.remedy import matching_lambda

    def mean_active(lam):  # denser at smaller lambda, as codes are
        calls.append(lam)
        return 100 / np.sqrt(lam)

    for target, lam in ((125.0, 0.3), (300.0, 0.3)):
        calls = []
        found, reached = matching_lambda(mean_active, target, lam)
        assert reached == pytest.approx(target, rel=0.01)
        assert found == pytest.approx((100 / target) ** 2, rel=0.02)
        assert len(calls) <= 24 and calls[0] == lam
    # out of steps: the closest lambda tried, not a made-up one
    calls = []
    found, reached = matching_lambda(mean_active, 1.0, 0.3, max_steps=3)
    assert found in calls and len(calls) == 3 and reached == mean_active(found)
    with pytest.raises(ValueError, match="must be > 0"):
        matching_lambda(mean_active, 0.0, 0.3)


def test_matched_quantities_compare_the_remedy_with_the_paper_sample_by_sample():
    import pandas as pd

    from sparsesens.remedy import matched_quantities

    rng = np.random.default_rng(4)
    n = 300
    swap = rng.uniform(0.5, 1.0, n)

    def table(distortion_factor, **extra):
        return pd.DataFrame({
            "sample": np.tile(np.arange(n), 2),
            "perturbation": np.repeat(["swap", "distortion"], n),
            "ratio": np.concatenate([swap, swap * distortion_factor]), **extra})

    paper = table(1.4)
    lowered = matched_quantities(paper, table(1.1, lam_matched=0.5, mean_active=90.0,
                                              target_active=91.0))
    assert lowered["lam_matched"] == 0.5 and lowered["target_active"] == 91.0
    assert lowered["distortion_effect"] == 1.0 and lowered["distortion_p"] < 1e-10
    assert lowered["distortion_swap_effect"] == 1.0
    assert lowered["matched_distortion_swap"] == pytest.approx(1.1)
    raised = matched_quantities(paper, table(1.6, lam_matched=0.5, mean_active=90.0,
                                             target_active=91.0))
    assert raised["distortion_effect"] == -1.0


def _caveat_study():
    spec = importlib.util.spec_from_file_location("remedy_caveat",
                                                  REPO / "studies/remedy_caveat.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _remedy_root(root, n_atoms: int, effect: float):
    """A finished remedy run's two files the caveat study reads: the analysis lambda's
    dictionary (its size) and analysis/remedy.tsv (two seeds; the largest mu counts)."""
    (root / "dictionaries").mkdir(parents=True)
    (root / "analysis").mkdir()
    D = np.linalg.qr(np.random.default_rng(0).normal(size=(n_atoms, n_atoms)))[0][:8]
    io.write_dictionary(root / "dictionaries/lam_0.3.h5", D, np.array([2.0, 1.0]),
                        {"lam": 0.3})
    pd.DataFrame({"dictionary_seed": [0, 0, 1, 1], "mu": [0.0, 0.1, 0.0, 0.1],
                  "max_coherence": [0.8, 0.5, 0.8, 0.5],
                  "distortion_effect": [np.nan, effect, np.nan, effect + 0.02]}
                 ).to_csv(root / "analysis/remedy.tsv", sep="\t", index=False)
    return root


def test_the_caveat_study_sets_two_sizes_side_by_side_with_the_claim(tmp_path, capsys):
    study = _caveat_study()
    small = _remedy_root(tmp_path / "small", 16, 0.60)
    large = _remedy_root(tmp_path / "large", 32, 0.10)
    out = tmp_path / "caveat.tsv"
    study.main([str(large), str(small), "--out", str(out)])
    side = pd.read_csv(out, sep="\t")
    assert side["n_atoms"].tolist() == [16] * 4 + [32] * 4  # the smaller size first
    claim = pd.read_csv(tmp_path / "caveat_claim.tsv", sep="\t").iloc[0]
    # the median over the two seeds: 0.61 at 16 atoms, 0.11 at 32
    assert claim["our_value"] == "16 atoms: r +0.61, 32 atoms: r +0.11"
    assert claim["status"] == "PASS"
    assert "remedy_weaker_when_overcomplete: PASS" in capsys.readouterr().out


def test_the_caveat_study_refuses_an_unfinished_root_and_two_roots_of_one_size(tmp_path):
    study = _caveat_study()
    small = _remedy_root(tmp_path / "small", 16, 0.6)
    same = _remedy_root(tmp_path / "same", 16, 0.1)
    with pytest.raises(SystemExit, match="two roots hold dictionaries of 16 atoms"):
        study.main([str(small), str(same)])
    (same / "analysis/remedy.tsv").unlink()
    unfinished = r"same is not a finished remedy run: missing .*remedy\.tsv"
    with pytest.raises(SystemExit, match=unfinished):
        study.main([str(small), str(same)])
