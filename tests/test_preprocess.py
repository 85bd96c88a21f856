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
    with pytest.raises(ValueError, match="unknown scaling 'zscore'; allowed: none, scale, center"):
        scale_pixels(splits(), "zscore")


def test_scale_multiplies_every_split_by_the_factor():
    data = splits()
    out = scale_pixels(data, "scale", 1 / 0.3081)
    np.testing.assert_allclose(out["valid"], data["valid"] / 0.3081, rtol=1e-6)
    # the factor belongs to scale only: other scalings ignore it
    np.testing.assert_array_equal(scale_pixels(data, "none", 4.0)["valid"], data["valid"])


def test_normalize_uses_one_global_mean_and_deviation_of_the_training_images():
    data = splits()
    out = scale_pixels(data, "normalize")
    assert abs(out["train"].mean()) < 1e-5 and abs(out["train"].std() - 1) < 1e-4
    mean, std = data["train"].astype(np.float64).mean(), data["train"].astype(np.float64).std()
    np.testing.assert_allclose(out["valid"], (data["valid"] - mean) / std, rtol=1e-5, atol=1e-5)
    # one statistic for every pixel: the constant border keeps one value, not zero
    assert np.allclose(out["train"][:, :28], -mean / std, rtol=1e-5)


@pytest.mark.parametrize("factor", [0.0, -2.0, float("nan"), float("inf")])
def test_a_factor_that_is_not_positive_and_finite_is_refused(factor):
    with pytest.raises(ValueError, match="scale factor must be finite and > 0"):
        scale_pixels(splits(), "scale", factor)


def test_scaled_pixels_at_lambda_have_the_codes_of_pixels_as_given_at_lambda_over_c():
    # the fidelity study rests on this: lasso codes of c x at lambda are c times those of x
    # at lambda / c, so a scaling moves nothing but the effective lambda
    from sparsesens.lasso import encode

    rng = np.random.default_rng(1)
    D = rng.standard_normal((784, 120))
    D /= np.linalg.norm(D, axis=0)
    x = scale_pixels(splits(), "none")["valid"][:20].astype(np.float64)
    c, lam = 1 / 0.3081, 0.3
    scaled, given = encode(c * x, D, lam), encode(x, D, lam / c)
    assert scaled.certified.all() and given.certified.all()
    scaled, given = scaled.codes, given.codes
    assert np.count_nonzero(scaled) > 20   # codes of several atoms, not a trivial case
    np.testing.assert_allclose(scaled, c * given, atol=1e-6 * np.abs(scaled).max())
