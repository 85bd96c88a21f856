import logging

import numpy as np
import pytest

from sparsesens.dictionary import learn_dictionary, learners
from sparsesens.dictionary.online import learn_dictionary_online
from sparsesens.dictionary.options import OnlineOptions

ONLINE = {"method": "online", "n_atoms": 16, "orthogonality": 0.0,
          "online": {"batch_size": 50, "max_epochs": 4}}
PAPER = {"method": "paper", "n_atoms": 16, "orthogonality": 0.0, "max_iter": 30,
         "lr_codes": 1e-3, "lr_dictionary": 1e-5, "lr_increase": 1.1, "lr_decrease": 0.5,
         "rel_tol": 1e-5, "window": 200, "dtype": "float32"}


def _images(n=200, m=36, seed=0):
    rng = np.random.default_rng(seed)
    atoms = rng.standard_normal((m, 8))
    codes = rng.standard_normal((n, 8)) * (rng.random((n, 8)) < 0.3)
    return (codes @ atoms.T).astype(np.float32)


def test_both_learners_answer_in_one_type_with_their_own_numbers(caplog):
    X = _images()
    log = logging.getLogger("test_learners")
    with caplog.at_level(logging.INFO, logger="test_learners"):
        online = learners.learn(X, 0.1, ONLINE, seed=3, log=log)
        paper = learners.learn(X, 0.1, PAPER, seed=3, log=log)
    direct = learn_dictionary_online(X, 0.1, OnlineOptions(batch_size=50, max_epochs=4), n_atoms=16,
                                     seed=3)
    assert np.array_equal(online.D, direct.D)
    assert np.array_equal(online.objective, direct.objective)
    assert online.record == {"epochs": 4, "n_resampled": direct.n_resampled,
                             "n_unused": direct.n_unused,
                             "extrapolations": direct.extrapolations}
    direct = learn_dictionary(X, 0.1, n_atoms=16, max_iter=30, seed=3)
    assert np.array_equal(paper.D, direct.D) and np.array_equal(paper.objective, direct.loss)
    assert paper.record["iterations"] == 30 and paper.record["dtype"] == "float32"
    for result in (online, paper):
        assert isinstance(result, learners.LearnedDictionary)
        assert result.D.shape == (36, 16) and len(result.seconds) == len(result.objective)
    # the progress the log gives: each epoch against the stopping rule, the iterations
    assert "epochs to the cap" in caplog.text and "iteration     30/30" in caplog.text


def test_a_learner_is_refused_what_it_cannot_do():
    X = _images()
    with pytest.raises(ValueError, match="'sgd'.*online, paper"):
        learners.learn(X, 0.1, {**ONLINE, "method": "sgd"}, seed=0)
    with pytest.raises(ValueError, match="no initial dictionary"):
        learners.learn(X, 0.1, PAPER, seed=0, initial=np.eye(36, 16))
