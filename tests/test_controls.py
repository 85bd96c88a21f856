"""Control dictionaries, and the claims judged on them: a PASS is reproduced only where a
dictionary that was not learned fails it."""

import numpy as np
import pandas as pd
import pytest
import torch

from sparsesens import controls
from sparsesens.claims.controls import (
    VERDICTS,
    ControlTables,
    control_statuses,
    of_control,
    with_controls,
)
from sparsesens.dictionary import initial_dictionary
from sparsesens.sensitivity import ratio_table, summary_tables


def _images(n=50, m=16, seed=0):
    return np.random.default_rng(seed).uniform(0, 1, (n, m))


def test_the_random_control_is_the_learners_seeded_start():
    D = controls.control_dictionary("random", _images(), 12, seed=5)
    start = initial_dictionary(16, 12, torch.Generator().manual_seed(5)).numpy()
    np.testing.assert_array_equal(D, start)


def test_the_images_control_is_distinct_normalised_training_images():
    X = _images()
    D = controls.control_dictionary("images", X, 12, seed=3)
    np.testing.assert_allclose(np.linalg.norm(D, axis=0), 1.0)
    # every atom is one training image, scaled, and no image is used twice
    matches = [np.flatnonzero(np.isclose(X / np.linalg.norm(X, axis=1, keepdims=True),
                                         atom).all(axis=1)) for atom in D.T]
    assert all(len(m) == 1 for m in matches) and len({int(m[0]) for m in matches}) == 12
    other = controls.control_dictionary("images", X, 12, seed=4)
    assert not np.array_equal(D, other)


@pytest.mark.parametrize("kind, n_atoms, message", [
    ("pca", 4, "unknown control dictionary 'pca'; allowed: random, images"),
    ("images", 51, "needs 51 training images as atoms, but 50 of 50 are not encoded"),
    ("images", 41, "needs 41 training images as atoms, but 40 of 50 are not encoded"),
])
def test_a_bad_control_is_refused_by_name(kind, n_atoms, message):
    with pytest.raises(ValueError, match=message):
        controls.control_dictionary(kind, _images(), n_atoms, seed=0,
                                    exclude=None if n_atoms == 51 else np.arange(10))


def test_the_images_control_leaves_out_the_images_the_analysis_encodes():
    # an analysed image that is itself an atom would be coded by that one atom
    X, exclude = _images(), np.arange(0, 50, 2)
    atoms = controls.atom_images(len(X), 20, seed=1, exclude=exclude)
    assert len(set(atoms)) == 20 and not set(atoms) & set(exclude)
    D = controls.control_dictionary("images", X, 20, seed=1, exclude=exclude)
    np.testing.assert_allclose(D, (X[atoms] / np.linalg.norm(X[atoms], axis=1,
                                                             keepdims=True)).T)


def _sensitivity(lam, distortion_factor, n=200, seed=0):
    """A per-sample table of one dictionary: swap ratios, distortion = swap x factor,
    noise far below both."""
    rng = np.random.default_rng(seed)
    swap = rng.uniform(1.0, 2.0, n)
    distortion = swap * distortion_factor * rng.uniform(0.95, 1.05, n)
    table = ratio_table(np.arange(n), {"noise": 0.1 * swap, "swap": swap,
                                       "distortion": distortion})
    return table.assign(lam=lam, mu=0.0, dictionary_seed=0)


def _control_tables(distortion_factor, s_min=0.2):
    """A control's tables at two lambdas, its distortions ``distortion_factor`` times its
    swaps, its RIP far from an isometry (smallest singular values ``s_min``) and its sampled
    digits' smallest singular values around ``s_min``."""
    lams = (0.3, 3.0)
    sensitivity = pd.concat([_sensitivity(lam, distortion_factor, seed=i)
                             for i, lam in enumerate(lams)])
    random_s_min = np.random.default_rng(7).uniform(0.6, 0.7, 40)
    rip = pd.concat([pd.DataFrame({"lam": lam, "dictionary_seed": 0, "n_active": 90,
                                   "s_min": s_min * random_s_min / 0.65, "s_max": 1.5,
                                   "delta": 1.25, "random_delta": 0.8,
                                   "random_s_min": random_s_min[::-1]}) for lam in lams])
    digit = pd.DataFrame({"lam": 0.3, "quantity": ["n_active", "max_coherence"],
                          "value": [122.0, 0.5]})
    spectrum = pd.DataFrame({"lam": 0.3, "rank": [1, 2], "n_samples": [200, 200],
                             "mean_gain": [5.0, 1.0], "rms_swap": [0.1, 0.9],
                             "rms_distortion": [0.9, 0.1]})
    digits = pd.DataFrame({"lam": 0.3, "digit": range(20),
                           "smallest_singular_value": s_min * np.linspace(0.5, 1.5, 20)})
    return ControlTables(sensitivity, rip, digit, spectrum, digits)


def _learned_tables():
    summary, paired = summary_tables([("sparse", _sensitivity(0.3, 1.5)),
                                      ("sparse", _sensitivity(3.0, 1.5, seed=1))])
    return summary, paired


def test_a_control_whose_distortions_equal_its_swaps_does_not_pass_the_order():
    summary, paired = _learned_tables()
    flat = control_statuses(_control_tables(1.0), summary, paired, 0.3)
    ordered = control_statuses(_control_tables(1.5), summary, paired, 0.3)
    assert flat["distortion_above_swap_lam_0.3"][0] == "TIE"
    assert ordered["distortion_above_swap_lam_0.3"][0] == "PASS"
    # the rows a control is judged on, and none it is not (the MLP's, the read-outs')
    assert {"rip_violated", "rip_beyond_random", "smallest_singular_value",
            "distortion_power_toward_high_gain", "max_atom_coherence"} <= set(ordered)
    # no checks, and none of the rows a control does not stand in for
    assert not any(id_.startswith(("mlp_", "eq5", "knn", "linear", "digit_active"))
                   for id_ in ordered)
    assert ordered["distortion_power_toward_high_gain"][0] == "PASS"


def test_a_control_without_cancelling_atoms_fails_the_cancellation_rows():
    # random unit atoms: the smallest singular value near the Marchenko-Pastur edge
    summary, paired = _learned_tables()
    cancelling = control_statuses(_control_tables(1.5, s_min=0.158), summary, paired, 0.3)
    isometric = control_statuses(_control_tables(1.5, s_min=0.65), summary, paired, 0.3)
    assert cancelling["rip_beyond_random"][0] == "PASS"
    assert cancelling["smallest_singular_value"][0] == "PASS"
    assert isometric["rip_beyond_random"][0] == "TIE"  # as many above as below
    assert isometric["smallest_singular_value"][0] == "FAIL"


def test_the_verdict_says_reproduced_only_where_every_control_fails():
    claims = pd.DataFrame({"id": ["a", "b", "c", "d", "e", "f"],
                           "section": ["claim"] * 5 + ["check"],
                           "status": ["PASS", "PASS", "PASS", "FAIL", "TIE", "PASS"]})
    judged = {"random": {"a": ("FAIL", "1"), "b": ("PASS", "2"), "d": ("PASS", "3")},
              "images": {"a": ("TIE", "4"), "b": ("FAIL", "5")}}
    table = with_controls(claims, judged)
    assert table["verdict"].tolist() == ["reproduced", "holds for any dictionary",
                                         "passes, no control", "FAIL", "TIE", "check passes"]
    assert set(table["verdict"]) <= set(VERDICTS)
    assert table.loc[0, "controls"] == "random FAIL: 1; images TIE: 4"
    assert table.loc[2, "controls"] == ""
    # without controls every PASS stands unjudged
    assert with_controls(claims, {})["verdict"].tolist()[:3] == ["passes, no control"] * 3


def test_each_controls_rows_are_cut_from_the_gathered_tables():
    tables = _control_tables(1.0)
    gathered = {name: pd.concat([getattr(tables, name).assign(control="random"),
                                 getattr(tables, name).assign(control="images").iloc[:1]])
                for name in ("sensitivity", "rip", "digit", "spectrum", "digits")}
    random = of_control(gathered, "random")
    assert len(random.sensitivity) == len(tables.sensitivity)
    assert "control" not in random.rip and len(of_control(gathered, "images").rip) == 1
