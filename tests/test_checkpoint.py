import logging
from dataclasses import replace

import numpy as np
import pytest

from sparsesens.dictionary.checkpoint import Checkpoint, fingerprint
from sparsesens.dictionary.online import learn_dictionary_online
from sparsesens.dictionary.options import OnlineOptions
from tests.test_dictionary_online import _images

OPTIONS = OnlineOptions(batch_size=64, max_epochs=5, rel_tol=0)
SHORT = replace(OPTIONS, max_epochs=2)
LOG = logging.getLogger("test_checkpoint")


def test_a_state_kept_on_disk_resumes_the_run_bit_for_bit(tmp_path, caplog):
    X = _images()
    whole = learn_dictionary_online(X, 0.1, OPTIONS, n_atoms=16)
    path = tmp_path / "state.h5"
    every_epoch = Checkpoint(path, fingerprint(lam=0.1), 1e-9, LOG)
    with caplog.at_level(logging.INFO):
        assert every_epoch.resume() is None  # nothing kept yet: a fresh start
        learn_dictionary_online(X, 0.1, replace(OPTIONS, max_epochs=3), n_atoms=16,
                                on_state=every_epoch)
    assert "no kept state" in caplog.text and "state after epoch 2 kept" in caplog.text
    # a later run of the same fingerprint reads it back and ends where the whole run did
    state = Checkpoint(path, fingerprint(lam=0.1), 10, LOG).resume()
    assert state.epoch == 2 and state.previous_D is not None
    resumed = learn_dictionary_online(X, 0.1, OPTIONS, n_atoms=16, resume=state)
    np.testing.assert_array_equal(resumed.D, whole.D)
    np.testing.assert_array_equal(resumed.objective, whole.objective)
    assert resumed.extrapolations == whole.extrapolations
    Checkpoint(path, fingerprint(lam=0.1), 10, LOG).discard()
    assert not path.exists()


def test_a_kept_state_reads_back_with_its_types(tmp_path):
    path = tmp_path / "state.h5"
    learn_dictionary_online(_images(), 0.1, SHORT, n_atoms=16,
                            on_state=Checkpoint(path, "a", 1e-9, LOG))
    state = Checkpoint(path, "a", 1, LOG).resume()
    assert state.epoch == 1 and state.previous_D is not None  # kept at the end of epoch 1
    assert state.objective.shape == (1,) and state.generator.dtype == np.uint8


def test_writes_wait_for_the_interval(tmp_path):
    path = tmp_path / "state.h5"
    learn_dictionary_online(_images(), 0.1, OPTIONS, n_atoms=16,
                            on_state=Checkpoint(path, "a", 60, LOG))
    assert not path.exists()  # five quick epochs, none an hour after the last write
    learn_dictionary_online(_images(), 0.1, OPTIONS, n_atoms=16,
                            on_state=Checkpoint(path, "a", 0, LOG))
    assert not path.exists()  # 0: never


def test_a_state_of_another_run_or_a_damaged_one_is_not_resumed(tmp_path, caplog):
    path = tmp_path / "state.h5"
    learn_dictionary_online(_images(), 0.1, SHORT, n_atoms=16,
                            on_state=Checkpoint(path, "a", 1e-9, LOG))
    with caplog.at_level(logging.INFO):
        assert Checkpoint(path, "b", 1, LOG).resume() is None
        assert "kept by a run of other settings" in caplog.text
        path.write_bytes(path.read_bytes()[:1000])  # truncated, as by a full disk
        assert Checkpoint(path, "a", 1, LOG).resume() is None
        assert "unreadable" in caplog.text


def test_fingerprints_name_their_parts():
    assert fingerprint(lam=0.1, seed=0) == fingerprint(seed=0, lam=0.1)
    assert fingerprint(lam=0.1, seed=0) != fingerprint(lam=0.1, seed=1)
    with pytest.raises(ValueError, match="every_minutes must be >= 0, got -1"):
        Checkpoint("x.h5", "a", -1, LOG)
