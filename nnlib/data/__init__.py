"""The course's data sets: iris, the real notMNIST, and an offline stand-in for it.

One module per idea; this package gathers what the pages, the trainer and the CLI use:

- :mod:`nnlib.data.dataset`: :class:`Dataset`, :class:`Split`, and the names and limits they share;
- :mod:`nnlib.data.iris`: :func:`load_iris` (scikit-learn's bundled copy, no network);
- :mod:`nnlib.data.archive`: the bounded tar reader notMNIST archives are read with;
- :mod:`nnlib.data.notmnist`: :func:`load_notmnist` (folder or archive, cached),
  :func:`load_offline_letters`, :func:`load_letters` (the real letters when present);
- :mod:`nnlib.data.uploads`: :func:`download_notmnist`, :func:`import_notmnist_archive` (the
  instructor's ``python -m nnlib data download|import``) and :func:`load_notmnist_upload` (a
  student's own archive, for that student only);
- :mod:`nnlib.data.splits`: :func:`split_dataset`, a stratified, seeded train / validation / test split;
- :mod:`nnlib.data.toy`: the 2-D toy sets (:func:`make_toy`, :func:`make_toy_dataset` with extra inputs);
- :mod:`nnlib.data.registry`: :data:`DATASETS`, every data set the trainer, the page and the CLI know
  by name (:func:`get_dataset`, :func:`load_dataset`), grouped in the page's :data:`FAMILIES`.

Every refusal is an :class:`~nnlib.core.errors.InputError` with a ``data.*`` code, worded in
``locales/<language>/LC_MESSAGES/data.po``.
"""

from __future__ import annotations

from nnlib.data.archive import MAX_ARCHIVE_HEADER_BYTES
from nnlib.data.dataset import (
    CACHE_PREFIX,
    CACHE_VERSION,
    IMAGE_SIDE,
    LETTERS,
    MAX_EXPANSION_RATIO,
    MAX_IMAGE_FILE_BYTES,
    MEGABYTE,
    NOTMNIST_ARCHIVE_NAME,
    NOTMNIST_FOLDER_NAME,
    NOTMNIST_URL,
    OFFLINE_LETTERS_FILE,
    UPLOAD_PREFIX,
    Dataset,
    Progress,
    Split,
)
from nnlib.data.iris import IRIS_FEATURE_NAMES, load_iris
from nnlib.data.notmnist import (
    find_notmnist,
    latest_cached_notmnist,
    load_letters,
    load_notmnist,
    load_offline_letters,
    notmnist_cache_file,
    notmnist_source_key,
    real_letters_available,
    write_notmnist_archive,
)
from nnlib.data.registry import (
    DATASETS,
    FAMILIES,
    DataOptions,
    DatasetInfo,
    datasets_of,
    get_dataset,
    load_dataset,
)
from nnlib.data.splits import sample_indices, split_dataset, stratified_indices
from nnlib.data.toy import TOY_SETS, make_toy, make_toy_dataset
from nnlib.data.uploads import (
    check_upload_size,
    download_notmnist,
    import_notmnist_archive,
    load_notmnist_upload,
    upload_display_name,
)

__all__ = [
    "DATASETS", "FAMILIES", "TOY_SETS", "DataOptions", "DatasetInfo", "datasets_of", "get_dataset", "load_dataset",
    "make_toy", "make_toy_dataset",
    "CACHE_PREFIX", "CACHE_VERSION", "IMAGE_SIDE", "IRIS_FEATURE_NAMES", "LETTERS", "MAX_ARCHIVE_HEADER_BYTES",
    "MAX_EXPANSION_RATIO", "MAX_IMAGE_FILE_BYTES", "MEGABYTE", "NOTMNIST_ARCHIVE_NAME", "NOTMNIST_FOLDER_NAME",
    "NOTMNIST_URL", "OFFLINE_LETTERS_FILE", "UPLOAD_PREFIX", "Dataset", "Progress", "Split", "check_upload_size",
    "download_notmnist", "find_notmnist", "import_notmnist_archive", "latest_cached_notmnist", "load_iris",
    "load_letters", "load_notmnist", "load_notmnist_upload", "load_offline_letters", "notmnist_cache_file",
    "notmnist_source_key", "real_letters_available", "sample_indices", "split_dataset", "stratified_indices",
    "upload_display_name", "write_notmnist_archive",
]
