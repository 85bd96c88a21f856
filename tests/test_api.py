"""The public API and the command line on real MNIST images (a run's dictionary: in
test_workflow.py, on the smoke run's)."""

import h5py
import numpy as np
import pytest

from sparsesens import api, cli, io, lasso

from .conftest import random_dictionary


@pytest.fixture(scope="module")
def digits(mnist):
    """The first 40 validation digits of the real MNIST, pixels in [0, 1)."""
    return mnist["valid"][0][:40].astype(np.float64)


def _run_dictionary(root, D, scale=2.0):
    """A dictionary file in a run's layout, beside a data file that states its scaling."""
    (root / "dictionaries").mkdir(parents=True)
    (root / "data").mkdir()
    io.write_dictionary(root / "dictionaries/lam_0.5.h5", D, np.array([3.0, 2.0]),
                        {"lam": 0.5, "method": "online"})
    with h5py.File(root / "data/mnist.h5", "w") as h5:
        h5.attrs.update({"scaling": "scale", "scale_factor": scale})
    return root / "dictionaries/lam_0.5.h5"


def test_a_runs_dictionary_brings_its_lambda_and_pixel_scale(tmp_path, digits):
    D = random_dictionary(784, 100, seed=1)
    path = _run_dictionary(tmp_path, D)
    dictionary = api.load_dictionary(path)
    assert dictionary.lam == 0.5 and dictionary.pixel_scale == 2.0
    np.testing.assert_array_equal(dictionary.D, D)
    result = api.encode(digits, dictionary)
    assert result.n_failed == 0 and result.codes.shape == (40, 100)
    # the run's pixels: scaled by the run's factor before encoding
    direct = lasso.encode(digits * 2.0, D, 0.5)
    np.testing.assert_allclose(result.codes, direct.codes, atol=1e-8)
    assert api.load_dictionary(path, lam=0.2, pixel_scale=1.0).pixel_scale == 1.0
    (tmp_path / "data/mnist.h5").unlink()
    with pytest.raises(ValueError, match="give pixel_scale"):
        api.load_dictionary(path)


def test_dictionaries_round_trip_through_hdf5_and_numpy(tmp_path):
    D = random_dictionary(784, 50, seed=2)
    saved = api.Dictionary(D, 0.3, 3.0, np.array([2.0, 1.5]), {"seed": 4})
    api.save_dictionary(tmp_path / "d.h5", saved)
    back = api.load_dictionary(tmp_path / "d.h5")
    assert (back.lam, back.pixel_scale, back.attrs["seed"]) == (0.3, 3.0, 4)
    np.testing.assert_array_equal(back.D, D)
    np.testing.assert_array_equal(back.objective, [2.0, 1.5])
    api.save_dictionary(tmp_path / "d.npy", saved)
    with pytest.raises(ValueError, match="give lam"):
        api.load_dictionary(tmp_path / "d.npy")
    plain = api.load_dictionary(tmp_path / "d.npy", lam=0.3)
    assert plain.pixel_scale == 1.0 and np.array_equal(plain.D, D)
    np.save(tmp_path / "bad.npy", D * 2)
    with pytest.raises(ValueError, match="unit-norm"):
        api.load_dictionary(tmp_path / "bad.npy", lam=0.3)


def test_images_come_from_pngs_or_arrays_in_unit_range(tmp_path, digits):
    import matplotlib.image

    folder = tmp_path / "pngs"
    folder.mkdir()
    for i in range(3):
        matplotlib.image.imsave(folder / f"digit_{i}.png", digits[i].reshape(28, 28),
                                cmap="gray", vmin=0, vmax=1)
    images, names = api.read_images(folder)
    assert names == ["digit_0.png", "digit_1.png", "digit_2.png"]
    np.testing.assert_allclose(images, digits[:3], atol=1 / 255)   # 8-bit PNGs
    np.save(tmp_path / "digits.npy", (digits[:5] * 255).astype(np.uint8).reshape(5, 28, 28))
    images, names = api.read_images(tmp_path / "digits.npy")
    assert images.shape == (5, 784) and names[4] == "digits.npy[4]"
    np.save(tmp_path / "bright.npy", digits[:2] * 255.0)
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        api.read_images(tmp_path / "bright.npy")
    (tmp_path / "empty").mkdir()
    with pytest.raises(ValueError, match="no .png files"):
        api.read_images(tmp_path / "empty")
    with pytest.raises(ValueError, match="does not exist"):
        api.read_images(tmp_path / "elsewhere")


def test_images_that_do_not_fit_the_dictionary_are_refused(digits):
    dictionary = api.Dictionary(random_dictionary(100, 20, seed=3), 0.3)
    with pytest.raises(ValueError, match="784 pixels.*100-pixel atoms"):
        api.encode(digits, dictionary)


def test_sensitivity_of_given_codes_to_given_directions(digits):
    dictionary = api.Dictionary(random_dictionary(784, 200, seed=4), 0.5)
    rng = np.random.default_rng(5)
    directions = rng.standard_normal(digits.shape)
    ratios = api.sensitivity(digits, directions, dictionary)
    codes = api.encode(digits, dictionary).codes
    # by hand: the least-squares change on each image's active atoms
    for i in range(3):
        active = codes[i] != 0
        Da = dictionary.D[:, active]
        change = np.linalg.solve(Da.T @ Da, Da.T @ directions[i])
        assert ratios[i] == pytest.approx(np.linalg.norm(change) / np.linalg.norm(directions[i]))
    with pytest.raises(ValueError, match="40 images but 3 perturbations"):
        api.sensitivity(digits, directions[:3], dictionary)


def test_the_command_line_learns_encodes_and_says_what_is_wrong(tmp_path, digits, capsys):
    np.save(tmp_path / "digits.npy", digits)
    dictionary = tmp_path / "dictionary.h5"
    assert cli.main(["learn", str(tmp_path / "digits.npy"), "--lam", "0.5", "--atoms", "30",
                     "--epochs", "3", "-o", str(dictionary)]) == 0
    learned = api.load_dictionary(dictionary)
    assert learned.D.shape == (784, 30) and learned.lam == 0.5 and len(learned.objective) == 3
    codes = tmp_path / "codes.h5"
    assert cli.main(["encode", str(dictionary), str(tmp_path / "digits.npy"),
                     "-o", str(codes)]) == 0
    shard = io.read_code_shard(codes)
    assert shard["codes"].shape == (40, 30) and shard["attrs"]["n_failed"] == 0
    assert "encoded 40/40 images" in capsys.readouterr().err
    np.save(tmp_path / "directions.npy", np.ones_like(digits))
    table = tmp_path / "ratios.tsv"
    assert cli.main(["sensitivity", str(dictionary), str(tmp_path / "digits.npy"),
                     str(tmp_path / "directions.npy"), "-o", str(table)]) == 0
    assert len(table.read_text().splitlines()) == 41
    assert cli.main(["encode", str(tmp_path / "missing.h5"), str(tmp_path / "digits.npy"),
                     "-o", str(codes)]) == 2
    assert "missing.h5 does not exist" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        cli.main(["encode", "--help"])
    assert "certified" in capsys.readouterr().out


def test_the_claims_command_prints_fails_first_with_the_verdicts(tmp_path, capsys):
    import pandas as pd

    pd.DataFrame({"id": ["order", "digit", "check"], "status": ["PASS", "FAIL", "PASS"],
                  "verdict": ["holds for any dictionary", "FAIL", "check passes"],
                  "our_value": ["1.2", "0.3", "0"], "paper_value": ["1", "0.158", "0"],
                  "note": ["", "one digit", ""]}).to_csv(tmp_path / "claims.tsv", sep="\t",
                                                         index=False)
    assert cli.main(["claims", str(tmp_path)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("2 of 3 claims pass, 1 fail, 0 tie; 0 reproduced, 1 hold for "
                               "any dictionary")
    assert lines[1] == "FAIL  digit: ours 0.3; paper 0.158"
    assert lines[3] == "PASS  order [holds for any dictionary]: ours 1.2; paper 1"
    assert cli.main(["claims", str(tmp_path / "elsewhere")]) == 2
    assert "elsewhere/claims.tsv does not exist" in capsys.readouterr().err


def _png_bytes(digit: np.ndarray) -> bytes:
    import io as bytes_io

    import matplotlib.image

    buffer = bytes_io.BytesIO()
    matplotlib.image.imsave(buffer, digit.reshape(28, 28), cmap="gray", format="png")
    return buffer.getvalue()


def _bad_input(tmp_path, digits, case):
    """(dictionary, images) paths for the command line, one of them bad as ``case`` says."""
    dictionary = tmp_path / "dictionary.npy"
    np.save(dictionary, random_dictionary(784, 20, seed=1))
    images = tmp_path / "digits.npy"
    np.save(images, digits[:3])
    bad = {"truncated.png": lambda p: p.write_bytes(_png_bytes(digits[0])[:60]),
           "text.png": lambda p: p.write_text("not an image\n"),
           "text.npy": lambda p: p.write_text("not an array\n"),
           "strings.npy": lambda p: np.save(p, np.array(["a", "b"])),
           "nan.npy": lambda p: np.save(p, np.where(np.arange(784) == 5, np.nan, digits[:2])),
           "inf.npy": lambda p: np.save(p, np.full((2, 784), np.inf)),
           "flat.npy": lambda p: np.save(p, digits[0]),
           "plain.h5": lambda p: h5py.File(p, "w").create_dataset("x", data=[1.0]),
           "text.h5": lambda p: p.write_text("not HDF5\n"),
           "atoms_text.npy": lambda p: p.write_text("not atoms\n")}
    path = tmp_path / case
    bad[case](path)
    as_dictionary = case.endswith(".h5") or case.startswith("atoms")
    return (path, images) if as_dictionary else (dictionary, path)


BAD_INPUTS = {"truncated.png": "not a readable PNG image", "text.png": "not a readable PNG",
              "text.npy": "not a NumPy .npy array of images",
              "strings.npy": "images must be real numbers", "nan.npy": "2 NaN or infinite",
              "inf.npy": "1568 NaN or infinite", "flat.npy": "images are (N, h, w) or (N, "
              "pixels)", "plain.h5": "an HDF5 file but not a dictionary: it lacks the "
              "datasets D, loss", "text.h5": "not an HDF5 file",
              "atoms_text.npy": "not a NumPy .npy array of atoms"}


@pytest.mark.parametrize("case", sorted(BAD_INPUTS))
def test_each_bad_input_gets_one_line_naming_the_file(tmp_path, digits, capsys, case):
    dictionary, images = _bad_input(tmp_path, digits, case)
    assert cli.main(["encode", str(dictionary), str(images), "--lam", "0.3",
                     "-o", str(tmp_path / "codes.h5")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("sparsesens encode: error: "), err
    assert case in err[0] and BAD_INPUTS[case] in err[0], err[0]
    assert not (tmp_path / "codes.h5").exists()
