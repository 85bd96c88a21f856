import gzip
import hashlib
import os
import pickle
import zipfile

import h5py
import numpy as np
import pytest

from sparsesens import io


def test_real_mnist_has_the_classic_split(mnist):
    x, y = mnist["train"]
    assert x.shape == (50_000, 784) and x.dtype == np.float32
    assert y.dtype == np.int64 and y[0] == 5
    assert 0.0 <= x.min() and x.max() < 1.0
    assert np.bincount(y).tolist() == [4932, 5678, 4968, 5101, 4859, 4506, 4951, 5175, 4842,
                                       4988]
    assert mnist["valid"][0].shape == (10_000, 784)
    assert mnist["test"][0].shape == (10_000, 784)


def _wheel_with(tmp_path, blob: bytes):
    path = tmp_path / io.MNIST_WHEEL
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(io.MNIST_MEMBER, blob)
    return path


def test_tampered_pickle_names_both_hashes(tmp_path):
    wheel = _wheel_with(tmp_path, gzip.compress(pickle.dumps((1, 2, 3))))
    with pytest.raises(io.ChecksumError) as err:
        io.load_mnist(wheel)
    assert io.MNIST_SHA256 in str(err.value)
    actual = hashlib.sha256(gzip.compress(pickle.dumps((1, 2, 3)))).hexdigest()
    assert actual in str(err.value)


def test_existing_bad_wheel_is_not_trusted(tmp_path):
    wheel = _wheel_with(tmp_path, b"not mnist")
    with pytest.raises(io.ChecksumError):
        io.download_mnist_wheel(wheel)


class _Evil:
    def __reduce__(self):
        return (os.system, ("echo pwned",))


def test_unpickler_refuses_other_globals():
    with pytest.raises(io.UnsafePickleError, match="system"):
        io.restricted_unpickle(pickle.dumps(_Evil(), protocol=2))


def test_unpickler_rebuilds_arrays():
    arr = np.arange(6, dtype=np.float32).reshape(2, 3)
    labels = np.arange(2, dtype=np.int64)
    out = io.restricted_unpickle(pickle.dumps((arr, labels), protocol=4))
    np.testing.assert_array_equal(out[0], arr)
    np.testing.assert_array_equal(out[1], labels)


def test_atomic_path_leaves_nothing_on_failure(tmp_path):
    target = tmp_path / "out.h5"
    with pytest.raises(RuntimeError), io.atomic_path(target) as tmp:
        tmp.write_bytes(b"half")
        raise RuntimeError("killed")
    assert list(tmp_path.iterdir()) == []


def test_dictionary_round_trip_and_tamper_check(tmp_path):
    D = np.linalg.qr(np.random.default_rng(0).standard_normal((20, 20)))[0]
    path = tmp_path / "d.h5"
    io.write_dictionary(path, D, np.array([3.0, 2.0]), {"lam": 0.3})
    D2, loss, attrs = io.read_dictionary(path)
    np.testing.assert_array_equal(D, D2)
    assert attrs["lam"] == 0.3 and loss.tolist() == [3.0, 2.0]
    with h5py.File(path, "r+") as h5:
        h5["D"][0, 0] += 1.0
    with pytest.raises(io.CorruptFileError, match="sha256"):
        io.read_dictionary(path)


def test_code_shard_round_trip(tmp_path):
    rng = np.random.default_rng(1)
    codes = rng.standard_normal((7, 12)) * (rng.random((7, 12)) < 0.3)
    codes[3] = 0.0  # an image with an empty code
    path = tmp_path / "s.h5"
    io.write_code_shard(path, codes, np.arange(10, 17), np.zeros(7), np.ones(7), {"lam": 1.0})
    shard = io.read_code_shard(path)
    np.testing.assert_array_equal(shard["codes"], codes)
    assert shard["image_index"].tolist() == list(range(10, 17))
    assert shard["attrs"]["lam"] == 1.0
    assert np.isnan(shard["objective"]).all()  # written without per-image objectives
    io.write_code_shard(path, codes, np.arange(10, 17), np.zeros(7), np.ones(7), {},
                        objective=np.arange(7.0))
    np.testing.assert_array_equal(io.read_code_shard(path)["objective"], np.arange(7.0))


def test_dictionary_learning_curve_round_trip(tmp_path):
    path = tmp_path / "d.h5"
    io.write_dictionary(path, np.eye(3), np.array([3.0, 2.0]), {"lam": 0.3},
                        seconds=np.array([0.5, 1.0]))
    loss, seconds = io.read_learning_curve(path)
    assert loss.tolist() == [3.0, 2.0] and seconds.tolist() == [0.5, 1.0]
    io.write_dictionary(path, np.eye(3), np.array([3.0]), {"lam": 0.3})
    assert np.isnan(io.read_learning_curve(path)[1]).all()


def test_truncated_shard_is_detected(tmp_path):
    path = tmp_path / "s.h5"
    io.write_code_shard(path, np.eye(4), np.arange(4), np.zeros(4), np.zeros(4), {})
    path.write_bytes(path.read_bytes()[:300])
    with pytest.raises(io.CorruptFileError, match="cannot be read"):
        io.read_code_shard(path)


def test_unknown_split_is_refused(tmp_path):
    with pytest.raises(ValueError, match="allowed: train, valid, test"):
        io.read_split(tmp_path / "x.h5", "training")


def test_split_codes_join_shards_in_image_order(tmp_path):
    rng = np.random.default_rng(2)
    codes = rng.standard_normal((9, 5)) * (rng.random((9, 5)) < 0.4)
    paths = []
    for i, rows in enumerate([range(6, 9), range(0, 3), range(3, 6)]):
        rows = list(rows)
        paths.append(tmp_path / f"s{i}.h5")
        io.write_code_shard(paths[-1], codes[rows], rows, -np.arange(9.0)[rows],
                            np.zeros(3), {"dictionary_sha256": "abc"})
    joined = io.read_split_codes(paths, dictionary_sha256="abc")
    np.testing.assert_array_equal(joined["codes"].toarray(), codes)
    np.testing.assert_array_equal(joined["kkt_inactive"], -np.arange(9.0))
    with pytest.raises(io.CorruptFileError, match="another dictionary"):
        io.read_split_codes(paths, dictionary_sha256="def")
    with pytest.raises(io.CorruptFileError, match="exactly once"):
        io.read_split_codes(paths[:2])


def test_inconsistent_csr_is_detected(tmp_path):
    import h5py

    path = tmp_path / "shard.h5"
    io.write_code_shard(path, np.eye(4), np.arange(4), np.zeros(4), np.zeros(4), {})
    with h5py.File(path, "r+") as h5:
        h5["indices"][0] = 99  # a column outside the dictionary
    with pytest.raises(io.CorruptFileError, match="'indices' was changed after it was written"):
        io.read_code_shard(path)
    with h5py.File(path, "r+") as h5:  # its hash made to match: the CSR check must catch it
        h5["indices"].attrs["sha256"] = io.content_sha256(h5["indices"][:])
    with pytest.raises(io.CorruptFileError, match="CSR arrays are inconsistent"):
        io.read_code_shard(path)


def test_arrays_round_trip_and_missing_dataset(tmp_path):
    path = tmp_path / "a.h5"
    io.write_arrays(path, {"x": np.arange(3), "dx/noise": np.ones((2, 2))}, {"seed": 4})
    arrays, attrs = io.read_arrays(path, ["x", "dx/noise"])
    assert arrays["x"].tolist() == [0, 1, 2] and attrs["seed"] == 4
    with pytest.raises(io.CorruptFileError, match="lacks datasets"):
        io.read_arrays(path, ["y"])


def test_damaged_outputs_are_removed_and_intact_ones_kept(tmp_path):
    shard = tmp_path / "codes/lam_0.3/valid_0.h5"
    shard.parent.mkdir(parents=True)
    io.write_code_shard(shard, np.eye(3), np.arange(3), np.zeros(3), np.zeros(3), {})
    dictionary = tmp_path / "dictionaries/lam_0.3.h5"
    io.write_dictionary(dictionary, np.eye(4), np.ones(2), {"lam": 0.3})
    assert io.remove_if_corrupt(shard) is None and io.remove_if_corrupt(dictionary) is None
    shard.write_bytes(shard.read_bytes()[:500])  # truncated
    assert "cannot be read" in io.remove_if_corrupt(shard) and not shard.exists()
    import h5py

    with h5py.File(dictionary, "r+") as h5:
        h5["D"][0, 0] = 2.0  # silently changed values
    assert "sha256" in io.remove_if_corrupt(dictionary) and not dictionary.exists()
    assert io.remove_if_corrupt(tmp_path / "absent.h5") is None


def test_a_reader_names_the_damaged_file_and_the_repair(tmp_path):
    shard = tmp_path / "codes/lam_0.3/valid_0.h5"
    shard.parent.mkdir(parents=True)
    io.write_code_shard(shard, np.eye(3), np.arange(3), np.zeros(3), np.zeros(3), {})
    shard.write_bytes(shard.read_bytes()[:500])
    with pytest.raises(io.CorruptFileError, match="make repair") as caught:
        io.read_code_shard(shard)
    assert str(shard) in str(caught.value)


def test_repair_removes_only_damaged_outputs(tmp_path, capsys):
    from sparsesens.pipeline import repair

    intact, damaged = (tmp_path / f"codes/lam_0.3/{name}_0.h5" for name in ("train", "valid"))
    intact.parent.mkdir(parents=True)
    for path in (intact, damaged):
        io.write_code_shard(path, np.eye(3), np.arange(3), np.zeros(3), np.zeros(3), {})
    damaged.write_bytes(damaged.read_bytes()[:500])
    assert repair.main([str(tmp_path)]) == 0
    assert intact.exists() and not damaged.exists()
    assert f"removed damaged {damaged}" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        repair.main([str(tmp_path / "absent")])


def _overwrite_in_place(path, name):
    """Replace a third of dataset ``name`` by other values of the same dtype, in place: the
    file keeps its size and looks as complete as before."""
    import h5py

    with h5py.File(path, "r+") as h5:
        data = h5[name][:]
        third = max(1, data.size // 3)
        flat = data.reshape(-1).copy()
        flat[:third] = flat[:third][::-1] + 1
        h5[name][...] = flat.reshape(data.shape)


def _write_each_kind(root):
    """One file of each kind the workflow writes, with the reader that checks it."""
    rng = np.random.default_rng(0)
    files = {
        "data/mnist.h5": (lambda p: io.write_dataset_h5(
            p, {"train": (rng.random((6, 4), dtype=np.float32), np.arange(6))}, {"source": "t"}),
            lambda p: io.read_split(p, "train"), "train/x"),
        "dictionaries/lam_0.3.h5": (lambda p: io.write_dictionary(
            p, rng.standard_normal((4, 5)), np.ones(3), {"lam": 0.3}),
            io.read_dictionary, "loss"),
        "codes/lam_0.3/train_0.h5": (lambda p: io.write_code_shard(
            p, np.eye(6) * 2.0, np.arange(6), np.zeros(6), np.zeros(6), {}),
            io.read_code_shard, "data"),
        "sensitivity/perturbations.h5": (lambda p: io.write_arrays(
            p, {"dx/noise": rng.standard_normal((5, 4)), "image_index": np.arange(5)}),
            lambda p: io.read_arrays(p, ["dx/noise", "image_index"]), "dx/noise"),
        "random/features.h5": (lambda p: io.write_arrays(
            p, {"train": rng.random((6, 3), dtype=np.float32)}),
            lambda p: io.read_arrays(p, ["train"]), "train"),
    }
    for relative, (write, _, _) in files.items():
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        write(root / relative)
    return files


def test_a_same_size_overwrite_of_any_kind_of_file_is_refused_by_name(tmp_path):
    for relative, (_, read, dataset) in _write_each_kind(tmp_path).items():
        path = tmp_path / relative
        read(path)  # intact
        io.verify_file(path)
        size = path.stat().st_size
        _overwrite_in_place(path, dataset)
        assert path.stat().st_size == size
        with pytest.raises(io.CorruptFileError, match="changed after it was written") as caught:
            read(path)
        assert str(path) in str(caught.value) and repr(dataset) in str(caught.value)
        assert "make repair" in str(caught.value)


def test_repair_removes_every_kind_of_damaged_file_and_keeps_the_rest(tmp_path, capsys):
    from sparsesens.pipeline import repair

    files = _write_each_kind(tmp_path)
    damaged = ["data/mnist.h5", "codes/lam_0.3/train_0.h5", "random/features.h5"]
    for relative in damaged:
        _overwrite_in_place(tmp_path / relative, files[relative][2])
    (tmp_path / "sensitivity/.perturbations.abc.tmp.h5").write_bytes(b"a job cut off")
    assert repair.main([str(tmp_path)]) == 0
    said = capsys.readouterr().out
    for relative, (_, read, _) in files.items():
        path = tmp_path / relative
        if relative in damaged:
            assert not path.exists() and f"removed damaged {path}" in said
        else:
            read(path)
    assert f"{len(damaged)} damaged file(s) removed" in said
    assert (tmp_path / "sensitivity/.perturbations.abc.tmp.h5").exists()


def test_a_dataset_without_a_content_hash_is_refused(tmp_path):
    import h5py

    path = tmp_path / "other.h5"
    with h5py.File(path, "w") as h5:
        h5.create_dataset("x", data=np.arange(3))
    with pytest.raises(io.CorruptFileError, match="'x' has no content hash"):
        io.read_arrays(path, ["x"])


def test_a_changed_learner_state_means_a_fresh_start(tmp_path):
    from types import SimpleNamespace

    path = tmp_path / "state.h5"
    io.write_learner_state(path, SimpleNamespace(D=np.eye(3), epoch=4), "run-a")
    fields, _ = io.read_learner_state(path, "run-a")
    assert fields["epoch"] == 4
    _overwrite_in_place(path, "D")
    fields, why = io.read_learner_state(path, "run-a")
    assert fields is None and "changed after it was written" in why


def test_a_results_root_that_cannot_be_written_is_named(tmp_path):
    import os

    assert io.unwritable_reason(tmp_path / "new/deeper") is None
    assert not (tmp_path / "new").exists()  # nothing created
    (tmp_path / "file").write_text("")
    assert "is a file" in io.unwritable_reason(tmp_path / "file/results")
    if os.geteuid() != 0:  # root may write anywhere
        locked = tmp_path / "locked"
        locked.mkdir(mode=0o500)
        assert "not writable" in io.unwritable_reason(locked / "results")
