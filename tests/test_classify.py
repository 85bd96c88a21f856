import numpy as np
import pytest

from sparsesens.classify import labelled_subset


def test_balanced_nested_and_seeded():
    y = np.repeat(np.arange(10), 50)
    np.random.default_rng(0).shuffle(y)
    small, large = labelled_subset(y, 3, seed=1), labelled_subset(y, 10, seed=1)
    assert np.bincount(y[small]).tolist() == [3] * 10
    assert set(small) <= set(large)
    np.testing.assert_array_equal(small, labelled_subset(y, 3, seed=1))
    assert not np.array_equal(small, labelled_subset(y, 3, seed=2))


def test_too_few_images_of_a_class():
    with pytest.raises(ValueError, match="class 1 has 2 images"):
        labelled_subset(np.array([0, 0, 0, 1, 1]), 3, seed=0)
