import numpy as np
import pytest

from sparsesens.preprocess import scale_pixels


def splits():
    rng = np.random.default_rng(0)
    train = rng.random((200, 784)).astype(np.float32)
    train[:, :28] = 0.0                       # a constant border row, as in MNIST
    return {"train": train, "valid": rng.random((50, 784)).astype(np.float32)}


def test_none_keeps_the_pixels():
    data = splits()
    out = scale_pixels(data, "none")
    np.testing.assert_array_equal(out["valid"], data["valid"])


def test_standardise_uses_training_statistics_only():
    data = splits()
    out = scale_pixels(data, "standardise")
    live = slice(28, None)
    np.testing.assert_allclose(out["train"][:, live].mean(axis=0), 0, atol=1e-5)
    np.testing.assert_allclose(out["train"][:, live].std(axis=0), 1, atol=1e-4)
    assert (out["train"][:, :28] == 0).all() and np.isfinite(out["valid"]).all()
    # validation images are scaled with the training mean and deviation, not their own
    mean, std = data["train"].mean(0)[live], data["train"].std(0)[live]
    np.testing.assert_allclose(out["valid"][:, live], (data["valid"][:, live] - mean) / std,
                               rtol=1e-5, atol=1e-5)


def test_center_subtracts_the_mean_training_image():
    data = splits()
    out = scale_pixels(data, "center")
    np.testing.assert_allclose(out["train"].mean(axis=0), 0, atol=1e-6)


def test_unknown_scaling_is_refused():
    with pytest.raises(ValueError, match="unknown scaling 'zscore'; allowed: none, center"):
        scale_pixels(splits(), "zscore")
