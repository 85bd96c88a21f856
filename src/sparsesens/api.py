"""What a run learned, used on your own images: load and save dictionaries, read images,
encode them into exact lasso codes certified by Eq. 9, learn a dictionary, and measure the
Jacobian sensitivity of codes to given perturbations.

Example, with the dictionary of a finished run::

    from sparsesens import api
    dictionary = api.load_dictionary("results/dictionaries/lam_0.3.h5")
    images, names = api.read_images("my_digits/")        # a folder of PNGs, or a .npy
    result = api.encode(images, dictionary)
    result.codes, result.certified                         # (N, 784) codes, Eq. 9 per image

Images are pixel arrays in [0, 1] (8-bit files are divided by 255). A dictionary knows the
factor its run multiplied such pixels by before learning (``pixel_scale``: MNIST's
1 / 0.3081 under the default ``data.scaling: scale``, 1 with the pixels as given), and
:func:`encode` applies it, so your images are encoded as the run's own were.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from sparsesens import io
from sparsesens.io.arrays import unit_pixels
from sparsesens.lasso import EncodeOptions, EncodeResult
from sparsesens.lasso import encode as lasso_encode


@dataclass
class Dictionary:
    """A dictionary and what it takes to use it.

    Attributes:
        D: (m, n_atoms) float64 atoms, unit-norm columns.
        lam: the sparsity weight it was learned at (the default of :func:`encode`).
        pixel_scale: the factor the images' pixels in [0, 1] are multiplied by before
            encoding, as its run did before learning.
        objective: its learner's objective per image after each epoch (empty if unknown).
        attrs: what its file says of it (learner, epochs, seed...).
    """

    D: np.ndarray
    lam: float
    pixel_scale: float = 1.0
    objective: np.ndarray = field(default_factory=lambda: np.empty(0))
    attrs: dict[str, Any] = field(default_factory=dict)


def load_dictionary(path: str | Path, *, lam: float | None = None,
                    pixel_scale: float | None = None) -> Dictionary:
    """Read a dictionary from a run's HDF5 file (``results/dictionaries/lam_*.h5``, checked
    against its content hash) or a NumPy ``.npy`` array (m, n_atoms).

    Args:
        path: the file.
        lam: the sparsity weight; required for ``.npy``, overrides the file's otherwise.
        pixel_scale: the pixel factor; by default a run's file takes its run's (from the
            data file beside ``dictionaries/``, or its own ``pixel_scale`` attribute), a
            ``.npy`` array 1.
    """
    path = _existing(path)
    if path.suffix == ".npy":
        if lam is None:
            raise ValueError(f"{path}: a .npy dictionary does not say its lambda; give lam")
        D, objective, attrs = _load_npy(path, "atoms").astype(np.float64), [], {}
        scale = 1.0 if pixel_scale is None else pixel_scale
    elif path.suffix in (".h5", ".hdf5"):
        D, objective, attrs = _read_dictionary_file(path)
        scale = _run_pixel_scale(path, attrs) if pixel_scale is None else pixel_scale
    else:
        raise ValueError(f"{path}: a dictionary is an .h5 file of a run or a .npy array")
    if D.ndim != 2 or not np.allclose(np.linalg.norm(D, axis=0), 1.0, atol=1e-6):
        raise ValueError(f"{path}: a dictionary is a 2-d array of finite unit-norm columns, "
                         f"got shape {D.shape}")
    chosen = float(attrs["lam"]) if lam is None else float(lam)
    if not chosen > 0 or not scale > 0:
        raise ValueError(f"lam and pixel_scale must be > 0, got {chosen} and {scale}")
    return Dictionary(D, chosen, float(scale), np.asarray(objective, dtype=np.float64), attrs)


def _read_dictionary_file(path: Path) -> tuple[np.ndarray, np.ndarray, dict]:
    """:func:`sparsesens.io.read_dictionary`, its errors said for a user's file."""
    import h5py

    if not h5py.is_hdf5(path):
        raise ValueError(f"{path}: not an HDF5 file (a dictionary file is one that "
                         "`sparsesens learn` or a run writes)")
    with h5py.File(path, "r") as h5:
        missing = [name for name in ("D", "loss") if name not in h5]
    if missing:
        raise ValueError(f"{path}: an HDF5 file but not a dictionary: it lacks the "
                         f"dataset{'s' * (len(missing) > 1)} {', '.join(missing)}")
    return io.read_dictionary(path)


def _load_npy(path: Path, what: str) -> np.ndarray:
    """A ``.npy`` array of real numbers, or a ValueError naming the file."""
    try:
        array = np.load(path, allow_pickle=False)
    except (ValueError, OSError, EOFError) as err:
        raise ValueError(f"{path}: not a NumPy .npy array of {what} ({err})") from None
    if not isinstance(array, np.ndarray) or not (
            np.issubdtype(array.dtype, np.integer) or np.issubdtype(array.dtype, np.floating)):
        raise ValueError(f"{path}: {what} must be real numbers, got an array of "
                         f"{getattr(array, 'dtype', type(array).__name__)}")
    return array


def _existing(path: str | Path) -> Path:
    path = Path(path)
    if not path.exists():
        raise ValueError(f"{path} does not exist")
    return path


def _run_pixel_scale(path: Path, attrs: Mapping[str, Any]) -> float:
    """The pixel factor of the run a dictionary file belongs to."""
    if "pixel_scale" in attrs:
        return float(attrs["pixel_scale"])
    data = sorted((path.parent.parent / "data").glob("*.h5"))
    if not data:
        raise ValueError(f"{path}: its run's data file ({path.parent.parent / 'data'}/*.h5) "
                         "is not there to say how its pixels were scaled; give pixel_scale "
                         "(1 for pixels as given)")
    run = io.read_attrs(data[0])
    return float(run["scale_factor"]) if run.get("scaling") == "scale" else 1.0


def save_dictionary(path: str | Path, dictionary: Dictionary) -> None:
    """Write ``dictionary`` as HDF5 (``.h5``: atoms, lambda, pixel factor, attributes;
    readable by :func:`load_dictionary` and :func:`sparsesens.io.read_dictionary`) or as a
    NumPy ``.npy`` array (the atoms alone)."""
    path = Path(path)
    if path.suffix == ".npy":
        with io.atomic_path(path) as tmp, open(tmp, "wb") as handle:
            np.save(handle, dictionary.D)
    elif path.suffix in (".h5", ".hdf5"):
        attrs = {key: value for key, value in dictionary.attrs.items() if key != "sha256"}
        io.write_dictionary(path, dictionary.D, dictionary.objective,
                            {**attrs, "lam": dictionary.lam,
                             "pixel_scale": dictionary.pixel_scale})
    else:
        raise ValueError(f"{path}: write a dictionary as .h5 or .npy")


def read_images(path: str | Path) -> tuple[np.ndarray, list[str]]:
    """Images as an (N, pixels) float64 array in [0, 1], and a name per image.

    Args:
        path: a PNG file, a folder of PNG files (in name order; colour is averaged to
            grey), or a ``.npy`` array of N images ((N, h, w) or (N, pixels); uint8 is
            divided by 255, floats must lie in [0, 1]).
    """
    path = _existing(path)
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.suffix.lower() == ".png")
        if not files:
            raise ValueError(f"{path}: no .png files in this folder")
        return _stack([_read_png(p) for p in files], path), [p.name for p in files]
    if path.suffix.lower() == ".png":
        return _stack([_read_png(path)], path), [path.name]
    if path.suffix == ".npy":
        array = _load_npy(path, "images")
        if array.ndim not in (2, 3):
            raise ValueError(f"{path}: images are (N, h, w) or (N, pixels), got {array.shape}")
        images = unit_pixels(array.reshape(len(array), -1), str(path))
        return images, [f"{path.name}[{i}]" for i in range(len(images))]
    raise ValueError(f"{path}: images come as a folder of PNGs, a .png or a .npy file")


def _read_png(path: Path) -> np.ndarray:
    import matplotlib.image

    try:
        pixels = matplotlib.image.imread(path)   # PNG: floats in [0, 1]
    except (OSError, SyntaxError, ValueError) as err:  # Pillow's words for a bad file
        raise ValueError(f"{path}: not a readable PNG image ({err})") from None
    return pixels[..., :3].mean(axis=-1) if pixels.ndim == 3 else pixels


def _stack(images: list[np.ndarray], where: Path) -> np.ndarray:
    shapes = sorted({image.shape for image in images})
    if len(shapes) > 1:
        raise ValueError(f"{where}: the images differ in size: {shapes}")
    return unit_pixels(np.stack([image.ravel() for image in images]), str(where))


def encode(images: np.ndarray, dictionary: Dictionary, *, lam: float | None = None,
           options: EncodeOptions | None = None,
           progress: Callable[[int], None] | None = None) -> EncodeResult:
    """Exact lasso codes of ``images`` (N, pixels in [0, 1]) with ``dictionary``, each
    certified by Eq. 9, after the dictionary's pixel factor.

    Args:
        images: (N, m) pixels in [0, 1], m the dictionary's rows.
        dictionary: from :func:`load_dictionary` or :func:`learn`.
        lam: the sparsity weight (default: the dictionary's).
        options: how to solve and certify (:class:`sparsesens.lasso.EncodeOptions`; its
            defaults when None).
        progress: called with the number of images finished after each batch.

    Returns:
        :class:`sparsesens.lasso.EncodeResult`: codes, Eq. 9 terms, ``certified`` per image.
    """
    X = _fitting(images, dictionary)
    return lasso_encode(X * dictionary.pixel_scale, dictionary.D,
                        dictionary.lam if lam is None else lam, options, progress=progress)


def _fitting(images: np.ndarray, dictionary: Dictionary) -> np.ndarray:
    X = np.asarray(images, dtype=np.float64)
    if X.ndim != 2 or X.shape[1] != dictionary.D.shape[0]:
        raise ValueError(f"images of {X.shape[-1] if X.ndim else 0} pixels (array "
                         f"{X.shape}) do not fit a dictionary of {dictionary.D.shape[0]}-pixel "
                         "atoms")
    return X


def learn(images: np.ndarray, lam: float, *, n_atoms: int = 784, pixel_scale: float = 1.0,
          seed: int = 0, max_epochs: int | None = None, batch_size: int | None = None,
          rel_tol: float | None = None, log: Any = None) -> Dictionary:
    """Learn a dictionary for ``images`` (N, pixels in [0, 1]) with the online learner at
    the workflow's default settings (:func:`sparsesens.dictionary.learners.learn`).

    Args:
        images: (N, m) pixels in [0, 1].
        lam: the sparsity weight of Eq. 1.
        n_atoms: atoms to learn.
        pixel_scale: factor the pixels are multiplied by first (kept with the dictionary).
        seed: seeds the initial draw and the order of the images.
        max_epochs, batch_size, rel_tol: the learner's cap, minibatch and stopping rule
            (None: :class:`sparsesens.dictionary.options.OnlineOptions`' defaults, which
            the workflow's configuration also states).
        log: a :class:`logging.Logger` for its progress per epoch.
    """
    from sparsesens.dictionary.learners import learn as learn_with

    X = np.asarray(images, dtype=np.float64)
    if X.ndim != 2 or len(X) == 0:
        raise ValueError(f"images must be a non-empty (N, pixels) array, got {X.shape}")
    chosen = {"batch_size": batch_size, "max_epochs": max_epochs, "rel_tol": rel_tol}
    settings = {"method": "online", "n_atoms": n_atoms, "orthogonality": 0.0,
                "online": {key: value for key, value in chosen.items() if value is not None}}
    result = learn_with((X * pixel_scale).astype(np.float32), lam, settings, seed=seed,
                        log=log)
    return Dictionary(result.D, float(lam), float(pixel_scale), result.objective,
                      {"method": "online", "converged": result.converged, "seed": seed,
                       "n_images": len(X), **result.record})


def sensitivity(images: np.ndarray, perturbations: np.ndarray, dictionary: Dictionary, *,
                codes: np.ndarray | None = None, lam: float | None = None) -> np.ndarray:
    """``||J dx|| / ||dx||``: how much each image's code moves per unit of its perturbation,
    to first order (the lasso code's Jacobian on its active set, as in the paper).

    Args:
        images: (N, m) pixels in [0, 1].
        perturbations: (N, m) one direction per image, in the same pixel units.
        dictionary: the dictionary the codes are of.
        codes: the images' exact codes, if already computed (else they are encoded).
        lam: the sparsity weight of the codes (default: the dictionary's).

    Returns:
        (N,) ratios; NaN where the image's active atoms are linearly dependent.
    """
    from sparsesens.sensitivity import code_directional_derivative

    X, dX = _fitting(images, dictionary), _fitting(perturbations, dictionary)
    if len(dX) != len(X):
        raise ValueError(f"{len(X)} images but {len(dX)} perturbations: give one each")
    if codes is None:
        codes = encode(X, dictionary, lam=lam).codes
    # the ratio is the same whatever the pixel factor: J is linear in dx
    return code_directional_derivative(dictionary.D, codes, dX)
