"""The course's data sets: iris, the real notMNIST, and an offline stand-in for it.

- :func:`load_iris` reads scikit-learn's bundled copy (no network).
- :func:`load_notmnist` reads ``notMNIST_small`` from the extracted folder or the
  ``.tar.gz`` archive itself (members read in memory, nothing extracted), skips and
  counts files that do not decode (the real archive has a couple), and caches the
  parsed arrays as an ``.npz`` so the next load is instant.
- :func:`load_offline_letters` reads ``data/offline_letters.npz``: the letters A-J
  rendered from open-licensed fonts by ``data/make_offline_letters.py``.
- :func:`load_letters` prefers the real notMNIST whenever it is in the data folder.
- :func:`split_dataset` makes a stratified, seeded train / validation / test split.
- :func:`download_notmnist` and :func:`import_notmnist_archive` put the class's archive in
  place (``python -m nnlib data download|import``); :func:`load_notmnist_upload` reads a
  student's own upload for that student only, writing nothing.
- Archives are read by a small tar reader of this module's own, in bounded memory: every
  header's declared size, the member count and the bytes unpacked are checked before
  anything is read (``max_archive_members``, ``max_archive_mb``, :data:`MAX_EXPANSION_RATIO`).

Arrays inside a :class:`Dataset` are read-only because loaded data sets are shared
(between Streamlit sessions, and through the in-process caches here).
"""

from __future__ import annotations

import bz2
import hashlib
import importlib.util
import io
import lzma
import os
import struct
import tarfile
import tempfile
import urllib.error
import urllib.parse
import urllib.request
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import IO, BinaryIO

import numpy as np
import torch
from PIL import Image

from nnlib.core.errors import InputError
from nnlib.core.settings import PROJECT_ROOT, get_settings

Progress = Callable[[int, int], None]

NOTMNIST_URL = "http://yaroslavvb.com/upload/notMNIST/notMNIST_small.tar.gz"
NOTMNIST_ARCHIVE_NAME = "notMNIST_small.tar.gz"
NOTMNIST_FOLDER_NAME = "notMNIST_small"
LETTERS: tuple[str, ...] = tuple("ABCDEFGHIJ")
IMAGE_SIDE = 28
OFFLINE_LETTERS_FILE = PROJECT_ROOT / "data" / "offline_letters.npz"

# Bump when the cached arrays change meaning, so old cache files are ignored.
CACHE_VERSION = 1
CACHE_PREFIX = "notmnist-"
# A 28x28 grayscale PNG is well under 2 KB; a member far larger is not a notMNIST image.
MAX_IMAGE_FILE_BYTES = 64 * 1024
MEGABYTE = 1024 * 1024
# notMNIST's PNGs barely compress, so its .tar.gz expands about 4x; an archive that claims to
# expand far more (a "zip bomb") is refused before it is decompressed.
MAX_EXPANSION_RATIO = 50
_PROGRESS_EVERY = 256
_GZIP_MAGIC = b"\x1f\x8b"
_DOWNLOAD_CHUNK = 256 * 1024
# The source of a student's upload: this prefix and a hash of its bytes (never a path).
UPLOAD_PREFIX = "upload:"


@dataclass(frozen=True, eq=False)
class Dataset:
    """A labelled data set, ready to split.

    ``features`` is (150, 4) float32 for iris and (N, 28, 28) uint8 for the
    letters (255 = white letter, 0 = black background); ``labels`` is (N,) int64.
    """

    name: str
    features: np.ndarray = field(repr=False)
    labels: np.ndarray = field(repr=False)
    classes: tuple[str, ...]
    feature_names: tuple[str, ...] | None
    description: str
    skipped: int = 0  # image files that did not decode
    refused: int = 0  # archive or folder entries not read: links, absolute or '..' paths
    source: str | None = None  # where the data was read from; "upload:<hash>" for a student's upload

    @property
    def is_image(self) -> bool:
        return self.features.ndim == 3

    @property
    def images(self) -> np.ndarray:
        if not self.is_image:
            raise AttributeError(f"The {self.name} data set has no images.")
        return self.features

    @property
    def source_path(self) -> str | None:
        """The real notMNIST archive or folder this was read from, if it still exists.

        None for iris, the offline letters, a student's upload (kept in that session only)
        and a cached copy whose archive is gone: pass it to :func:`load_notmnist` to read
        the same data again.
        """
        if (
            self.name == "notmnist"
            and self.source
            and not self.source.startswith(UPLOAD_PREFIX)
            and Path(self.source).exists()
        ):
            return self.source
        return None

    def __len__(self) -> int:
        return int(self.labels.shape[0])

    def class_counts(self) -> np.ndarray:
        """Samples per class, in the order of ``classes``."""
        return np.bincount(self.labels, minlength=len(self.classes))


@dataclass(frozen=True, eq=False)
class Split:
    """Train / validation / test tensors on the CPU: float32 features, int64 labels.

    Images are scaled to [0, 1] and keep their (N, 28, 28) shape. With
    standardization, ``mean`` and ``std`` come from the training part only (per
    feature for tables, one number for images) and every part is transformed with them.
    """

    train_x: torch.Tensor
    train_y: torch.Tensor
    val_x: torch.Tensor
    val_y: torch.Tensor
    test_x: torch.Tensor
    test_y: torch.Tensor
    classes: tuple[str, ...]
    mean: torch.Tensor | None
    std: torch.Tensor | None


def _read_only(array: np.ndarray) -> np.ndarray:
    array.flags.writeable = False
    return array


def _data_dir(data_dir: str | os.PathLike[str] | None) -> Path:
    return Path(data_dir if data_dir is not None else get_settings().data_dir)


# --------------------------------------------------------------------------- iris


IRIS_FEATURE_NAMES = ("sepal length (cm)", "sepal width (cm)", "petal length (cm)", "petal width (cm)")


def _sklearn_iris_csv() -> Path | None:
    """scikit-learn's bundled iris.csv, found without importing scikit-learn (which takes seconds)."""
    spec = importlib.util.find_spec("sklearn")
    if spec is None or spec.origin is None:
        return None
    path = Path(spec.origin).parent / "datasets" / "data" / "iris.csv"
    return path if path.is_file() else None


@lru_cache(maxsize=1)
def load_iris() -> Dataset:
    """Fisher's iris: 150 flowers, 4 measurements in cm, 3 species (scikit-learn's bundled copy)."""
    csv = _sklearn_iris_csv()
    if csv is not None:
        with csv.open(encoding="utf-8") as handle:
            header = handle.readline().strip().split(",")  # "150,4,setosa,versicolor,virginica"
            table = np.loadtxt(handle, delimiter=",", dtype=np.float64)
        features, labels, classes = table[:, :4], table[:, 4], tuple(header[2:])
    else:
        from sklearn.datasets import load_iris as sklearn_iris

        bunch = sklearn_iris()
        features, labels, classes = bunch.data, bunch.target, tuple(str(n) for n in bunch.target_names)
    return Dataset(
        name="iris",
        features=_read_only(np.asarray(features, dtype=np.float32)),
        labels=_read_only(np.asarray(labels, dtype=np.int64)),
        classes=classes,
        feature_names=IRIS_FEATURE_NAMES,
        description="Iris flowers (Fisher, 1936), scikit-learn's bundled copy",
    )


# ---------------------------------------------------------------- offline letters


@lru_cache(maxsize=1)
def load_offline_letters() -> Dataset:
    """Letters A-J rendered from open fonts; always available, not the real notMNIST."""
    try:
        with np.load(OFFLINE_LETTERS_FILE, allow_pickle=False) as bundle:
            images = np.ascontiguousarray(bundle["images"], dtype=np.uint8)
            labels = bundle["labels"].astype(np.int64)
            classes = tuple(str(letter) for letter in bundle["classes"])
            faces = len(bundle["font_names"])
    except (OSError, KeyError, ValueError, zipfile.BadZipFile) as error:
        raise InputError(
            f"The bundled offline letters file {OFFLINE_LETTERS_FILE.name} is missing or damaged; "
            "rebuild it with data/make_offline_letters.py.",
            code="offline_letters_missing",
            details={"path": str(OFFLINE_LETTERS_FILE), "error": str(error)},
        ) from None
    return Dataset(
        name="offline_letters",
        features=_read_only(images),
        labels=_read_only(labels),
        classes=classes,
        feature_names=None,
        description=f"Offline letters A-J rendered from {faces} open fonts (not the real notMNIST)",
        source=str(OFFLINE_LETTERS_FILE),
    )


# ----------------------------------------------------------------------- notMNIST


class _ImageBuffer:
    """Decodes PNG bytes straight into a growing, preallocated uint8 array."""

    def __init__(self, capacity: int = 4096) -> None:
        self.images = np.empty((capacity, IMAGE_SIDE, IMAGE_SIDE), dtype=np.uint8)
        self.labels = np.empty(capacity, dtype=np.int64)
        self.count = 0
        self.skipped = 0

    def add(self, data: bytes, label: int) -> None:
        if self.count == len(self.labels):
            self.images = np.concatenate([self.images, np.empty_like(self.images)])
            self.labels = np.concatenate([self.labels, np.empty_like(self.labels)])
        if 0 < len(data) <= MAX_IMAGE_FILE_BYTES and _decode_png(data, self.images[self.count]):
            self.labels[self.count] = label
            self.count += 1
        else:
            self.skipped += 1

    def arrays(self) -> tuple[np.ndarray, np.ndarray]:
        return self.images[: self.count].copy(), self.labels[: self.count].copy()


def _decode_png(data: bytes, out: np.ndarray) -> bool:
    """Decode one 28x28 PNG into ``out``; False if it does not decode or has another size."""
    try:
        with Image.open(io.BytesIO(data), formats=("PNG",)) as image:
            if image.size != (IMAGE_SIDE, IMAGE_SIDE):
                return False
            if image.mode != "L":
                image = image.convert("L")
            image.load()
            out[...] = np.frombuffer(image.tobytes(), dtype=np.uint8).reshape(IMAGE_SIDE, IMAGE_SIDE)
        return True
    except (OSError, SyntaxError, ValueError, EOFError, zlib.error, Image.DecompressionBombError):
        return False


def _layout_error(name: str, where: str, examples: list[str], missing: tuple[str, ...]) -> InputError:
    letters = ", ".join(missing)
    if len(missing) == len(LETTERS):
        found = "; ".join(examples[:3]) if examples else "nothing"
        message = (
            f"{name} does not look like notMNIST: expected images "
            f"{NOTMNIST_FOLDER_NAME}/<A-J>/<name>.png, found {found}."
        )
    else:
        message = f"{name} looks like notMNIST but has no images for the letters {letters}."
    return InputError(
        message,
        code="not_notmnist",
        details={"path": where, "missing_letters": list(missing), "examples": examples[:3]},
    )


def _safe_member_parts(name: str) -> list[str] | None:
    """The parts of a member's path, or None for absolute, '..' or drive-letter paths.

    The same parts as ``PurePosixPath(name).parts`` (a string split is several times faster,
    and an archive may hold 100,000 members).
    """
    name = name.replace("\\", "/")
    if name.startswith("/"):
        return None
    parts = [part for part in name.split("/") if part and part != "."]
    if ".." in parts or (parts and ":" in parts[0]):
        return None
    return parts


def _truncated_error(name: str, where: str, error: BaseException | str) -> InputError:
    return InputError(
        f"{name} is damaged or incomplete: it ends before the archive does. Download or copy it again.",
        code="truncated_archive",
        details={"path": where, "error": str(error)},
    )


def _not_archive_error(name: str, where: str, error: BaseException | str) -> InputError:
    return InputError(
        f"{name} is not a .tar.gz archive.",
        code="not_archive",
        details={"path": where, "error": str(error)},
    )


# ------------------------------------------------------------ a bounded tar reader
#
# Python's tarfile reads a GNU long name or a pax header whole, whatever size it declares,
# before the caller sees the member; an upload of 2 MB could take gigabytes of memory that
# way. This reader checks every header's declared size, and the member count, before it
# reads anything the header announces, and it decompresses a chunk at a time.

_BLOCK = 512
_ZERO_BLOCK = bytes(_BLOCK)
_READ_CHUNK = 64 * 1024  # compressed bytes read from the file at a time
_INFLATE_CHUNK = 256 * 1024  # most uncompressed bytes held from one decompression step
_MAX_STREAMS = 1024  # compressed streams one after another in one file
# A GNU long name (L), long link name (K) or pax header (x, g) holds a few names and numbers;
# one larger than this is refused unread.
MAX_ARCHIVE_HEADER_BYTES = 64 * 1024
_COMPRESSION_MAGIC = {"gzip": b"\x1f\x8b", "bzip2": b"BZh", "xz": b"\xfd7zXZ\x00"}
_REGULAR_TYPES = frozenset(b"0\x007")
_LINK_TYPES = frozenset(b"12")
_NO_DATA_TYPES = frozenset(b"123456")  # links, devices, folders, fifos: their size is not data
_DIR_TYPE = ord("5")
_LONG_NAME, _LONG_LINK = ord("L"), ord("K")
_PAX_TYPES = frozenset(b"xX")
_PAX_GLOBAL = ord("g")
_META_TYPES = frozenset((_LONG_NAME, _LONG_LINK, _PAX_GLOBAL, *_PAX_TYPES))
_USTAR_MAGIC = b"ustar\x00"


class _Truncated(Exception):
    """The archive's data ends before the archive does."""


class _BadHeader(Exception):
    """A header whose checksum or numbers are wrong."""


class _ZlibGzip:
    """zlib's gzip decoder with the interface of bz2's and lzma's decompressors."""

    def __init__(self) -> None:
        self._inflate = zlib.decompressobj(16 + zlib.MAX_WBITS)

    @property
    def eof(self) -> bool:
        return self._inflate.eof

    @property
    def unused_data(self) -> bytes:
        return self._inflate.unused_data

    @property
    def needs_input(self) -> bool:
        return not self._inflate.unconsumed_tail

    def decompress(self, data: bytes, max_length: int) -> bytes:
        return self._inflate.decompress(self._inflate.unconsumed_tail + data, max_length)


def _decoder(kind: str) -> _ZlibGzip | bz2.BZ2Decompressor | lzma.LZMADecompressor:
    if kind == "gzip":
        return _ZlibGzip()
    return bz2.BZ2Decompressor() if kind == "bzip2" else lzma.LZMADecompressor()


class _TarStream:
    """The uncompressed bytes of a .tar, .tar.gz, .tar.bz2 or .tar.xz, a bounded chunk at a time."""

    def __init__(self, raw: BinaryIO) -> None:
        self._raw = raw
        head = raw.read(8)
        raw.seek(-len(head), os.SEEK_CUR)
        self.kind = next((kind for kind, magic in _COMPRESSION_MAGIC.items() if head.startswith(magic)), "tar")
        self._decoder = None if self.kind == "tar" else _decoder(self.kind)
        self._streams = 1
        self._buffer = b""
        self._offset = 0
        self.raw_bytes = 0  # compressed bytes read so far

    def _raw_chunk(self) -> bytes:
        chunk = self._raw.read(_READ_CHUNK)
        self.raw_bytes += len(chunk)
        return chunk

    def _more(self) -> bytes:
        """The next uncompressed bytes (at most _INFLATE_CHUNK); b"" at the end of the data."""
        if self._decoder is None:
            return self._raw_chunk()
        while True:
            starved = False
            if self._decoder.eof:
                # Another compressed stream may follow (concatenated .gz files, parallel bzip2);
                # other trailing bytes are ignored, as tarfile does, and so is everything after
                # _MAX_STREAMS streams (empty ones would cost time and unpack to nothing).
                rest = self._decoder.unused_data or self._raw_chunk()
                if not rest.startswith(_COMPRESSION_MAGIC[self.kind]) or self._streams >= _MAX_STREAMS:
                    return b""
                self._decoder = _decoder(self.kind)
                self._streams += 1
                data = rest
            elif self._decoder.needs_input:
                data = self._raw_chunk()
                starved = not data
            else:
                data = b""
            out = self._decoder.decompress(data, _INFLATE_CHUNK)
            if out:
                return out
            if starved and not self._decoder.eof:
                raise _Truncated("the compressed data ends early")

    def read(self, size: int) -> bytes:
        """``size`` bytes, or fewer where the data ends (``size`` is small: headers and images)."""
        end = self._offset + size
        if end <= len(self._buffer):
            data = self._buffer[self._offset : end]
            self._offset = end
            return data
        parts = [self._buffer[self._offset :]]
        have = len(parts[0])
        while have < size:
            more = self._more()
            if not more:
                break
            parts.append(more)
            have += len(more)
        self._buffer = b"".join(parts)
        self._offset = min(size, len(self._buffer))
        return self._buffer[: self._offset]

    def skip(self, size: int) -> None:
        """Pass over ``size`` bytes without keeping them."""
        available = len(self._buffer) - self._offset
        if size <= available:
            self._offset += size
            return
        size -= available
        self._buffer, self._offset = b"", 0
        while size > 0:
            more = self._more()
            if not more:
                raise _Truncated("a member's data ends early")
            if len(more) > size:
                self._buffer, self._offset = more, size
                return
            size -= len(more)


def _octal(field: bytes) -> int:
    end = field.find(b"\0")
    try:
        value = int((field if end < 0 else field[:end]).strip() or b"0", 8)
    except ValueError:
        raise _BadHeader("a number field is not octal") from None
    if value < 0:
        raise _BadHeader("a negative number")
    return value


def _cstring(block: bytes, start: int, stop: int) -> bytes:
    end = block.find(b"\0", start, stop)
    return block[start : stop if end < 0 else end]


def _header_fields(block: bytes) -> tuple[int, int, bytes]:
    """(typeflag, declared size, name with its ustar prefix) of a header whose checksum is right."""
    checksum_field = block[148:156]
    stored = _octal(checksum_field)
    if stored != sum(block) - sum(checksum_field) + 256 and stored != (
        sum(struct.unpack_from("148b8x356b", block)) + 256
    ):
        raise _BadHeader("header checksum mismatch")
    if block[124] & 0x80:  # GNU base-256; 0xff would be negative
        if block[124] != 0x80:
            raise _BadHeader("a negative size")
        size = int.from_bytes(block[125:136], "big")
    else:
        size = _octal(block[124:136])
    name = _cstring(block, 0, 100)
    if block.startswith(_USTAR_MAGIC, 257) and block[345]:
        name = _cstring(block, 345, 500) + b"/" + name
    return block[156], size, name


def _pax_records(data: bytes) -> dict[bytes, bytes]:
    """The "length key=value\\n" records of a pax header."""
    records: dict[bytes, bytes] = {}
    position = 0
    while position < len(data) and data[position] != 0:
        space = data.find(b" ", position, position + 12)
        try:
            length = int(data[position:space]) if space > position else 0
        except ValueError:
            length = 0
        record = data[space + 1 : position + length]
        if length <= 0 or position + length > len(data) or not record.endswith(b"\n") or b"=" not in record:
            raise _BadHeader("a malformed pax record")
        key, _, value = record[:-1].partition(b"=")
        records[key] = value
        position += length
    return records


def _mb(size: int) -> str:
    return f"{size / MEGABYTE:,.0f} MB" if size >= MEGABYTE else f"{size / 1024:,.0f} KB"


@dataclass
class _ArchiveLimits:
    members: int  # headers, the metadata ones (long names, pax) included
    total_bytes: int  # uncompressed bytes: the smaller of max_archive_mb and the expansion rule
    by_expansion: bool  # the expansion rule is the tighter one


def _archive_limits(compressed_size: int) -> _ArchiveLimits:
    settings = get_settings()
    by_expansion = max(64 * MEGABYTE, MAX_EXPANSION_RATIO * compressed_size)
    by_setting = settings.max_archive_mb * MEGABYTE
    return _ArchiveLimits(settings.max_archive_members, min(by_expansion, by_setting), by_expansion < by_setting)


def _too_big_error(name: str, where: str, limits: _ArchiveLimits, expanded: int) -> InputError:
    if limits.by_expansion:
        return InputError(
            f"{name} is not notMNIST: it unpacks to far more data than its size suggests.",
            code="not_notmnist",
            details={"path": where, "expanded_bytes": expanded, "limit_bytes": limits.total_bytes},
        )
    return InputError(
        f"{name} unpacks to more than {_mb(limits.total_bytes)}, the most this server reads from one "
        "archive (the real notMNIST_small unpacks to about 40 MB).",
        code="archive_too_big",
        details={"path": where, "expanded_bytes": expanded, "limit_bytes": limits.total_bytes},
    )


def _read_tar(
    raw: BinaryIO, total: int, name: str, where: str, progress: Progress | None
) -> tuple[_ImageBuffer, int, list[str]]:
    """Images, refused entries and a few other files of a notMNIST archive, in bounded memory.

    Every header is checked (checksum, declared size, member count, bytes left under the
    ceiling) before anything it announces is read.
    """
    buffer = _ImageBuffer(capacity=20_000)
    refused = 0
    other_files: list[str] = []
    limits = _archive_limits(total)
    stream = _TarStream(raw)
    members = 0
    expanded = 0  # uncompressed bytes so far (headers and padded data)
    long_name: bytes | None = None  # from a GNU long name or a pax path, for the next member
    pax_size: int | None = None
    try:
        while True:
            block = stream.read(_BLOCK)
            if len(block) < _BLOCK or block == _ZERO_BLOCK:
                if members == 0 and len(block) < _BLOCK:
                    raise _not_archive_error(name, where, "too short for a tar header")
                if block and len(block) < _BLOCK:
                    raise _Truncated("the archive ends inside a header")
                if long_name is not None or pax_size is not None:
                    raise _Truncated("the archive ends after a long name or pax header")
                break
            try:
                typeflag, size, member_name = _header_fields(block)
            except _BadHeader as error:
                if members == 0:
                    raise _not_archive_error(name, where, error) from None
                raise InputError(
                    f"{name} is damaged: entry {members + 1:,} has a broken header. Download or copy it again.",
                    code="damaged_archive",
                    details={"path": where, "entry": members + 1, "error": str(error)},
                ) from None
            members += 1
            expanded += _BLOCK
            if members > limits.members:
                raise InputError(
                    f"{name} is not notMNIST: it has more than {limits.members:,} entries "
                    "(the real notMNIST_small has about 18,700).",
                    code="too_many_members",
                    details={"path": where, "max_members": limits.members},
                )
            if progress is not None and members % _PROGRESS_EVERY == 0:
                progress(stream.raw_bytes, total)
            if typeflag in _META_TYPES:
                if size > MAX_ARCHIVE_HEADER_BYTES:
                    raise InputError(
                        f"{name} is not notMNIST: entry {members:,} declares a {_mb(size)} long name or "
                        f"extended header (at most {_mb(MAX_ARCHIVE_HEADER_BYTES)}).",
                        code="archive_header_too_big",
                        details={"path": where, "entry": members, "declared_bytes": size},
                    )
            else:
                if pax_size is not None:
                    size, pax_size = pax_size, None
                if typeflag == 0 and member_name.endswith(b"/"):  # old tar: a folder is a file ending in /
                    typeflag = _DIR_TYPE
            padded = 0 if typeflag in _NO_DATA_TYPES else -(-size // _BLOCK) * _BLOCK
            if expanded + padded > limits.total_bytes:
                raise _too_big_error(name, where, limits, expanded + padded)
            expanded += padded

            if typeflag in _META_TYPES:
                data = stream.read(padded)
                if len(data) < padded:
                    raise _Truncated("a long name or pax header ends early")
                data = data[:size]
                if typeflag == _LONG_NAME:
                    long_name = data.split(b"\0", 1)[0]
                elif typeflag in _PAX_TYPES:
                    records = _pax_records(data)
                    if b"path" in records:
                        long_name = records[b"path"]
                    if b"size" in records:
                        try:
                            pax_size = int(records[b"size"])
                        except ValueError:
                            raise _BadHeader("a pax size that is not a number") from None
                        if pax_size < 0:
                            raise _BadHeader("a negative pax size")
                continue  # K (a long link name) and g (global pax values) change nothing read here

            if long_name is not None:
                member_name, long_name = long_name, None
            text_name = member_name.decode("utf-8", "replace")
            parts = _safe_member_parts(text_name)
            if typeflag in _LINK_TYPES or parts is None or not (typeflag in _REGULAR_TYPES or typeflag == _DIR_TYPE):
                refused += 1
                stream.skip(padded)
                continue
            if typeflag == _DIR_TYPE:
                continue
            letter = parts[-2] if len(parts) > 1 else ""
            file_name = parts[-1].lower() if parts else ""
            if not (file_name.endswith(".png") and len(file_name) > 4) or letter not in LETTERS:
                if len(other_files) < 3:
                    other_files.append(text_name)
                stream.skip(padded)
                continue
            if size > MAX_IMAGE_FILE_BYTES:
                buffer.skipped += 1
                stream.skip(padded)
                continue
            data = stream.read(padded)
            if len(data) < padded:
                raise _Truncated("an image ends early")
            buffer.add(data[:size], LETTERS.index(letter))
    except _Truncated as error:
        raise _truncated_error(name, where, error) from None
    except _BadHeader as error:
        raise InputError(
            f"{name} is damaged: entry {members:,} has a broken header. Download or copy it again.",
            code="damaged_archive",
            details={"path": where, "entry": members, "error": str(error)},
        ) from None
    except (zlib.error, lzma.LZMAError, EOFError, OSError) as error:
        raise _truncated_error(name, where, error) from None
    if progress is not None:
        progress(total, total)
    return buffer, refused, other_files


def _parse_archive(
    path: Path, progress: Progress | None, name: str | None = None
) -> tuple[_ImageBuffer, int, list[str]]:
    """Parse an archive file; errors name it ``name`` (default: the file's own name)."""
    where = str(path) if name is None else name
    with path.open("rb") as raw:
        return _read_tar(raw, path.stat().st_size, name or path.name, where, progress)


def _check_letters(buffer: _ImageBuffer, name: str, where: str, other_files: list[str]) -> None:
    """Raise the layout error unless every letter A-J has at least one image."""
    present = set(buffer.labels[: buffer.count].tolist())
    missing = tuple(letter for index, letter in enumerate(LETTERS) if index not in present)
    if missing:
        raise _layout_error(name, where, other_files, missing)


def _letter_root(folder: Path) -> Path:
    """The folder that holds A..J: the folder itself or its notMNIST_small subfolder."""
    if any((folder / letter).is_dir() for letter in LETTERS):
        return folder
    nested = folder / NOTMNIST_FOLDER_NAME
    if nested.is_dir() and not nested.is_symlink():
        return nested
    subfolders = [entry for entry in folder.iterdir() if entry.is_dir() and not entry.is_symlink()]
    if len(subfolders) == 1 and any((subfolders[0] / letter).is_dir() for letter in LETTERS):
        return subfolders[0]
    found = sorted(entry.name for entry in folder.iterdir())[:5]
    raise InputError(
        f"The folder {folder.name} does not have the notMNIST layout: it should hold folders "
        f"A, B, ... J with .png images (found: {', '.join(found) or 'nothing'}).",
        code="bad_folder_layout",
        details={"path": str(folder), "found": found},
    )


def _folder_entries(folder: Path) -> tuple[list[tuple[os.DirEntry[str], int]], int, Path]:
    """The .png files under each letter folder (sorted), and how many links were refused."""
    root = _letter_root(folder)
    files: list[tuple[os.DirEntry[str], int]] = []
    refused = 0
    missing = []
    for label, letter in enumerate(LETTERS):
        letter_dir = root / letter
        if letter_dir.is_symlink():
            refused += 1
            missing.append(letter)
            continue
        if not letter_dir.is_dir():
            missing.append(letter)
            continue
        with os.scandir(letter_dir) as entries:
            letter_files = []
            for entry in entries:
                if entry.is_symlink():
                    refused += 1
                elif entry.is_file(follow_symlinks=False) and entry.name.lower().endswith(".png"):
                    letter_files.append((entry, label))
        if not letter_files:
            missing.append(letter)
        files.extend(sorted(letter_files, key=lambda item: item[0].name))
    if missing:
        if len(missing) == len(LETTERS):
            found = sorted(entry.name for entry in root.iterdir())[:5]
            raise InputError(
                f"The folder {folder.name} does not have the notMNIST layout: it should hold folders "
                f"A, B, ... J with .png images (found: {', '.join(found) or 'nothing'}).",
                code="bad_folder_layout",
                details={"path": str(folder), "found": found},
            )
        raise InputError(
            f"The folder {folder.name} has no .png images for the letters {', '.join(missing)}.",
            code="bad_folder_layout",
            details={"path": str(folder), "missing_letters": missing},
        )
    return files, refused, root


def _parse_folder(folder: Path, progress: Progress | None) -> tuple[_ImageBuffer, int]:
    files, refused, _ = _folder_entries(folder)
    buffer = _ImageBuffer(capacity=max(1, len(files)))
    total = len(files)
    for done, (entry, label) in enumerate(files, start=1):
        try:
            with open(entry.path, "rb") as handle:
                data = handle.read(MAX_IMAGE_FILE_BYTES + 1)
        except OSError:
            data = b""
        buffer.add(data, label)
        if progress is not None and (done % _PROGRESS_EVERY == 0 or done == total):
            progress(done, total)
    return buffer, refused


def notmnist_source_key(path: str | os.PathLike[str]) -> str:
    """A short key that changes when the archive or folder changes (size and mtime)."""
    source = Path(path)
    digest = hashlib.sha256(f"v{CACHE_VERSION}".encode())
    if source.is_dir():
        files, _, _ = _folder_entries(source)
        for entry, label in files:
            stat = entry.stat(follow_symlinks=False)
            digest.update(f"|{label}/{entry.name}:{stat.st_size}:{stat.st_mtime_ns}".encode())
    else:
        stat = source.stat()
        digest.update(f"|archive:{stat.st_size}:{stat.st_mtime_ns}".encode())
    return digest.hexdigest()[:24]


def _default_cache_dir() -> Path:
    return _data_dir(None) / "cache"


def notmnist_cache_file(path: str | os.PathLike[str], cache_dir: str | os.PathLike[str] | None = None) -> Path:
    """Where the parsed arrays of this archive or folder are (or would be) cached."""
    directory = Path(cache_dir) if cache_dir is not None else _default_cache_dir()
    return directory / f"{CACHE_PREFIX}{notmnist_source_key(path)}.npz"


def _read_cache(cache_file: Path) -> Dataset | None:
    try:
        with np.load(cache_file, allow_pickle=False) as cached:
            if int(cached["version"]) != CACHE_VERSION:
                return None
            images = cached["images"]
            labels = cached["labels"]
            skipped = int(cached["skipped"])
            refused = int(cached["refused"])
            source = str(cached["source"])
    except (OSError, KeyError, ValueError, EOFError, zipfile.BadZipFile):
        return None
    if (
        images.dtype != np.uint8
        or images.shape[1:] != (IMAGE_SIDE, IMAGE_SIDE)
        or labels.dtype != np.int64
        or labels.shape != images.shape[:1]
    ):
        return None
    return _notmnist_dataset(images, labels, skipped, refused, source)


def _write_cache(cache_file: Path, dataset: Dataset) -> None:
    """Write atomically (temp file, then rename); a cache that cannot be written is skipped."""
    try:
        cache_file.parent.mkdir(parents=True, exist_ok=True)
        handle = tempfile.NamedTemporaryFile(
            dir=cache_file.parent, prefix=f".{cache_file.stem}.", suffix=".tmp", delete=False
        )
    except OSError:
        return
    try:
        with handle:
            np.savez(
                handle,
                version=np.array(CACHE_VERSION),
                images=dataset.features,
                labels=dataset.labels,
                skipped=np.array(dataset.skipped),
                refused=np.array(dataset.refused),
                source=np.array(dataset.source or ""),
            )
        os.replace(handle.name, cache_file)
    except OSError:
        Path(handle.name).unlink(missing_ok=True)
    except BaseException:
        Path(handle.name).unlink(missing_ok=True)
        raise


def _notmnist_dataset(images: np.ndarray, labels: np.ndarray, skipped: int, refused: int, source: str) -> Dataset:
    name = Path(source).name if source else NOTMNIST_ARCHIVE_NAME
    return Dataset(
        name="notmnist",
        features=_read_only(images),
        labels=_read_only(labels),
        classes=LETTERS,
        feature_names=None,
        description=f"notMNIST_small (real): {len(labels):,} images from {name}",
        skipped=skipped,
        refused=refused,
        source=source,
    )


def load_notmnist(
    path: str | os.PathLike[str],
    progress: Progress | None = None,
    cache_dir: str | os.PathLike[str] | None = None,
) -> Dataset:
    """Read notMNIST from its folder or its .tar.gz archive, using the cache when it is fresh.

    ``progress(done, total)`` is called while parsing: compressed bytes read for an
    archive, files read for a folder. Files that do not decode are skipped and
    counted in ``skipped``; links and absolute or '..' paths are never read and are
    counted in ``refused``.
    """
    source = Path(path)
    if not source.exists():
        raise InputError(
            f"No notMNIST archive or folder at {source}.",
            code="not_found",
            details={"path": str(source)},
        )
    cache_file = notmnist_cache_file(source, cache_dir)
    cached = _read_cache(cache_file) if cache_file.exists() else None
    if cached is not None:
        if progress is not None:
            progress(1, 1)
        # The key is size + mtime, so the same archive may have been cached under another name.
        return _notmnist_dataset(cached.features, cached.labels, cached.skipped, cached.refused, str(source))

    if source.is_dir():
        buffer, refused = _parse_folder(source, progress)
    else:
        buffer, refused, other_files = _parse_archive(source, progress)
        _check_letters(buffer, source.name, str(source), other_files)
    images, labels = buffer.arrays()
    dataset = _notmnist_dataset(images, labels, buffer.skipped, refused, str(source))
    _write_cache(cache_file, dataset)
    return dataset


def find_notmnist(data_dir: str | os.PathLike[str] | None = None) -> Path | None:
    """The real notMNIST in the data folder: a downloaded or dropped archive, or an extracted folder."""
    base = _data_dir(data_dir)
    for candidate in (
        base / "downloads" / NOTMNIST_ARCHIVE_NAME,
        base / NOTMNIST_ARCHIVE_NAME,
        base / "downloads" / NOTMNIST_FOLDER_NAME,
        base / NOTMNIST_FOLDER_NAME,
    ):
        if candidate.exists():
            return candidate
    return None


def _cached_notmnist_files(cache_dir: Path) -> Iterator[Path]:
    if cache_dir.is_dir():
        yield from sorted(cache_dir.glob(f"{CACHE_PREFIX}*.npz"), key=lambda p: p.stat().st_mtime, reverse=True)


def latest_cached_notmnist(data_dir: str | os.PathLike[str] | None = None) -> Dataset | None:
    """The most recently cached real notMNIST, even if its archive has since been removed."""
    for cache_file in _cached_notmnist_files(_data_dir(data_dir) / "cache"):
        dataset = _read_cache(cache_file)
        if dataset is not None:
            return dataset
    return None


def real_letters_available(data_dir: str | os.PathLike[str] | None = None) -> bool:
    """True if the real notMNIST is in the data folder or its cache."""
    base = _data_dir(data_dir)
    return find_notmnist(base) is not None or any(True for _ in _cached_notmnist_files(base / "cache"))


def load_letters(data_dir: str | os.PathLike[str] | None = None, progress: Progress | None = None) -> Dataset:
    """The real notMNIST if it is present or cached in the data folder, else the offline letters."""
    base = _data_dir(data_dir)
    source = find_notmnist(base)
    if source is not None:
        return load_notmnist(source, progress=progress, cache_dir=base / "cache")
    cached = latest_cached_notmnist(base)
    if cached is not None:
        return cached
    return load_offline_letters()


# ------------------------------------------------------------- download and upload


def _upload_limit_bytes(max_mb: int | None) -> tuple[int, int]:
    limit_mb = max_mb if max_mb is not None else get_settings().max_upload_mb
    return limit_mb, limit_mb * MEGABYTE


def check_upload_size(size_bytes: int, max_mb: int | None = None) -> None:
    """Raise if an upload is over the instructor's cap (``max_upload_mb``)."""
    limit_mb, limit = _upload_limit_bytes(max_mb)
    if size_bytes > limit:
        raise InputError(
            f"The file is {size_bytes / MEGABYTE:.1f} MB; uploads are limited to {limit_mb} MB.",
            code="upload_too_big",
            details={"size_bytes": size_bytes, "max_mb": limit_mb},
        )


def _temp_in(directory: Path, prefix: str) -> IO[bytes]:
    directory.mkdir(parents=True, exist_ok=True)
    return tempfile.NamedTemporaryFile(dir=directory, prefix=prefix, suffix=".part", delete=False)


_NAME_CHARACTERS = frozenset("._()+- ")
_MAX_NAME_CHARS = 80


def upload_display_name(file_name: str | None) -> str:
    """A student's file name fit to show: its base name, letters, digits and ``._()+-`` only.

    It starts with a letter (so it can begin a message shown as markdown: no heading, list
    or quote) and is at most 80 characters long, the extension kept.
    """
    base = str(file_name or "").replace("\\", "/").rsplit("/", 1)[-1]
    kept = "".join(ch if ch.isalnum() or ch in _NAME_CHARACTERS else "_" for ch in base)
    kept = " ".join(kept.split()).lstrip("._()+- ").rstrip(" .")
    if len(kept) > _MAX_NAME_CHARS:
        stem, dot, extension = kept.partition(".")
        extension = (dot + extension)[:20]
        kept = stem[: _MAX_NAME_CHARS - len(extension)] + extension
    if not kept:
        return "upload.tar.gz"
    return kept if kept[0].isalpha() else f"upload {kept}"


def _upload_stream(data: bytes | bytearray | memoryview | BinaryIO) -> tuple[BinaryIO, int, str]:
    """A seekable stream over an upload, its size and its content's SHA-256."""
    if isinstance(data, bytes | bytearray | memoryview):
        return io.BytesIO(data), len(data), hashlib.sha256(data).hexdigest()
    digest = hashlib.sha256()
    data.seek(0)
    size = 0
    while chunk := data.read(_DOWNLOAD_CHUNK):
        digest.update(chunk)
        size += len(chunk)
    data.seek(0)
    return data, size, digest.hexdigest()


def load_notmnist_upload(
    data: bytes | bytearray | memoryview | BinaryIO,
    file_name: str | None,
    progress: Progress | None = None,
    max_mb: int | None = None,
) -> Dataset:
    """A student's uploaded notMNIST archive as a data set for that student only.

    The upload is checked against ``max_upload_mb`` and parsed in memory by the bounded
    reader (nothing is written to disk: no copy of the archive, no cache). The data set's
    ``source`` is ``"upload:"`` and a prefix of the content's SHA-256, so two different
    uploads never share a cache entry; its ``source_path`` is None. The description and
    every error name the student's file (base name only), never a server path.
    """
    display = upload_display_name(file_name)
    stream, size, digest = _upload_stream(data)
    try:
        check_upload_size(size, max_mb)
    except InputError as error:
        raise InputError(
            f"{display} is {size / MEGABYTE:.1f} MB; uploads are limited to {error.details['max_mb']} MB.",
            code=error.code,
            details={**error.details, "file_name": display},
        ) from None
    buffer, refused, other_files = _read_tar(stream, size, display, display, progress)
    _check_letters(buffer, display, display, other_files)
    images, labels = buffer.arrays()
    return Dataset(
        name="notmnist",
        features=_read_only(images),
        labels=_read_only(labels),
        classes=LETTERS,
        feature_names=None,
        description=f"notMNIST (your upload): {len(labels):,} images from {display}",
        skipped=buffer.skipped,
        refused=refused,
        source=f"{UPLOAD_PREFIX}{digest[:24]}",
    )


def import_notmnist_archive(
    archive: str | os.PathLike[str],
    data_dir: str | os.PathLike[str] | None = None,
    progress: Progress | None = None,
) -> Dataset:
    """Put an archive in place as the class's ``data/downloads/notMNIST_small.tar.gz`` (instructor only).

    The archive is copied beside its destination, the copy is parsed (and cached), and
    only then renamed into place, so a damaged or foreign archive never replaces the
    class's copy and a reader never sees half a file.
    """
    source = Path(archive)
    if not source.is_file():
        raise InputError(
            f"No archive at {source}: give the path of a notMNIST_small .tar.gz file.",
            code="not_found",
            details={"path": str(source)},
        )
    base = _data_dir(data_dir)
    destination = base / "downloads"
    handle = _temp_in(destination, ".import.")
    temp_path = Path(handle.name)
    try:
        with handle, source.open("rb") as original:
            while chunk := original.read(_DOWNLOAD_CHUNK):
                handle.write(chunk)
        buffer, refused, other_files = _parse_archive(temp_path, progress, name=source.name)
        _check_letters(buffer, source.name, str(source), other_files)
        final = destination / NOTMNIST_ARCHIVE_NAME
        os.replace(temp_path, final)
    except BaseException:
        temp_path.unlink(missing_ok=True)
        raise
    images, labels = buffer.arrays()
    dataset = _notmnist_dataset(images, labels, buffer.skipped, refused, str(final))
    # Renaming keeps size and mtime, so this is the cache entry load_notmnist looks for.
    _write_cache(notmnist_cache_file(final, base / "cache"), dataset)
    return dataset


def _already_present_error(final: Path) -> InputError:
    return InputError(
        f"{final.name} is already in place; the class's copy is not replaced from here.",
        code="already_present",
        details={"path": str(final)},
    )


def _place_without_replacing(temp_path: Path, final: Path) -> None:
    """Move a finished file into place unless something is already there (atomic where links work)."""
    try:
        os.link(temp_path, final)
    except FileExistsError:
        raise _already_present_error(final) from None
    except OSError:  # a file system without hard links
        if final.exists():
            raise _already_present_error(final) from None
        os.replace(temp_path, final)
        return
    temp_path.unlink(missing_ok=True)


def download_notmnist(
    url: str = NOTMNIST_URL,
    dest_dir: str | os.PathLike[str] | None = None,
    progress: Progress | None = None,
    timeout: float = 30.0,
    replace_existing: bool = True,
) -> Path:
    """Download the archive into ``data/downloads`` and return its path.

    ``progress(bytes_done, bytes_total)`` (total is 0 when the server does not say).
    Written to a temporary file and renamed at the end, so an interrupted download
    leaves nothing half-written. The size cap is ``max_upload_mb``. With
    ``replace_existing=False`` (the page's button) an archive already in place, the
    class's copy, is never replaced, not even by a download that finishes at the same time.
    """
    scheme = urllib.parse.urlsplit(url).scheme
    if scheme not in ("http", "https"):
        raise InputError(f"Only http and https downloads are allowed, not {url!r}.", code="bad_url",
                         details={"url": url})
    destination = Path(dest_dir) if dest_dir is not None else _data_dir(None) / "downloads"
    if not replace_existing and (destination / NOTMNIST_ARCHIVE_NAME).exists():
        raise _already_present_error(destination / NOTMNIST_ARCHIVE_NAME)
    limit_mb, limit = _upload_limit_bytes(None)
    handle = _temp_in(destination, ".download.")
    temp_path = Path(handle.name)
    host = urllib.parse.urlsplit(url).hostname or url
    try:
        with handle, urllib.request.urlopen(url, timeout=timeout) as response:  # only http(s), checked above
            total = int(response.headers.get("Content-Length") or 0)
            if total > limit:
                check_upload_size(total, limit_mb)
            done = 0
            while chunk := response.read(_DOWNLOAD_CHUNK):
                done += len(chunk)
                check_upload_size(done, limit_mb)
                handle.write(chunk)
                if progress is not None:
                    progress(done, total)
        if total and done < total:
            raise InputError(
                f"The download from {host} stopped early ({done:,} of {total:,} bytes). Try again.",
                code="download_incomplete",
                details={"url": url, "done": done, "total": total},
            )
        with temp_path.open("rb") as check:
            if check.read(len(_GZIP_MAGIC)) != _GZIP_MAGIC:
                raise InputError(
                    f"{host} did not send a .tar.gz archive (perhaps a login or error page).",
                    code="not_archive",
                    details={"url": url},
                )
        final = destination / NOTMNIST_ARCHIVE_NAME
        if replace_existing:
            os.replace(temp_path, final)
        else:
            _place_without_replacing(temp_path, final)
        return final
    except InputError:
        temp_path.unlink(missing_ok=True)
        raise
    except urllib.error.HTTPError as error:
        temp_path.unlink(missing_ok=True)
        raise InputError(
            f"{host} answered {error.code} {error.reason}: the notMNIST archive could not be downloaded.",
            code="download_failed",
            details={"url": url, "status": error.code},
        ) from None
    except (urllib.error.URLError, TimeoutError, OSError) as error:
        temp_path.unlink(missing_ok=True)
        reason = getattr(error, "reason", error)
        raise InputError(
            f"Could not reach {host} to download notMNIST (no network?): {reason}. "
            "Use the offline letters, or put notMNIST_small.tar.gz into data/downloads/ by hand.",
            code="offline",
            details={"url": url, "error": str(reason)},
        ) from None
    except BaseException:
        temp_path.unlink(missing_ok=True)
        raise


# -------------------------------------------------------------------------- split


def _check_fractions(val_fraction: float, test_fraction: float) -> None:
    if not (0 <= val_fraction < 1 and 0 <= test_fraction < 1 and val_fraction + test_fraction < 1):
        raise InputError(
            "Validation and test fractions must each be in [0, 1) and leave something to train on "
            f"(got {val_fraction} and {test_fraction}).",
            code="bad_split",
            details={"val_fraction": val_fraction, "test_fraction": test_fraction},
        )


def _round_half_up(value: float) -> int:
    return int(np.floor(value + 0.5))


def stratified_indices(
    labels: np.ndarray, val_fraction: float, test_fraction: float, seed: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Train / validation / test index arrays with each class split in the same proportions."""
    _check_fractions(val_fraction, test_fraction)
    rng = np.random.default_rng(seed)
    parts: tuple[list[np.ndarray], list[np.ndarray], list[np.ndarray]] = ([], [], [])
    for label in np.unique(labels):
        members = rng.permutation(np.flatnonzero(labels == label))
        n_val = _round_half_up(len(members) * val_fraction)
        n_test = _round_half_up(len(members) * test_fraction)
        # Always keep at least one training sample per class (matters only for tiny classes).
        while n_val + n_test >= len(members) and n_val + n_test > 0:
            if n_test >= n_val:
                n_test -= 1
            else:
                n_val -= 1
        parts[1].append(members[:n_val])
        parts[2].append(members[n_val : n_val + n_test])
        parts[0].append(members[n_val + n_test :])
    train, val, test = (rng.permutation(np.concatenate(part)) if part else np.array([], np.int64)
                        for part in parts)
    return train, val, test


def _smallest_splittable_class(val_fraction: float, test_fraction: float) -> int:
    """How many samples one class needs so that each of the three parts gets at least one."""
    for size in range(3, 10_000):
        train, val, test = stratified_indices(np.zeros(size, np.int64), val_fraction, test_fraction, 0)
        if len(train) and len(val) and len(test):
            return size
    return 10_000


def split_dataset(
    dataset: Dataset,
    val_fraction: float = 0.15,
    test_fraction: float = 0.15,
    seed: int = 0,
    standardize: bool = False,
) -> Split:
    """A stratified, seeded split into float32 / int64 CPU tensors.

    Images are scaled to [0, 1]. With ``standardize``, mean and std are fitted on the
    training part only (per column for tables, one value for images) and applied to all.
    """
    train, val, test = stratified_indices(dataset.labels, val_fraction, test_fraction, seed)
    if not (len(train) and len(val) and len(test)):
        needed = _smallest_splittable_class(val_fraction, test_fraction)
        raise InputError(
            f"{dataset.description} has {len(dataset):,} samples: too few to set some aside for validation "
            f"and testing. Use at least {needed} per class.",
            code="too_few_samples",
            details={"samples": len(dataset), "needed_per_class": needed},
        )
    features = dataset.features.astype(np.float32)
    if dataset.is_image:
        features /= 255.0
    mean = std = None
    if standardize:
        train_features = features[train]
        axis = None if dataset.is_image else 0
        mean_np = train_features.mean(axis=axis, dtype=np.float64)
        std_np = train_features.std(axis=axis, dtype=np.float64)
        std_np = np.where(std_np > 0, std_np, 1.0)  # a constant column stays as it is, shifted to 0
        features = ((features - mean_np) / std_np).astype(np.float32)
        mean = torch.tensor(mean_np, dtype=torch.float32)
        std = torch.tensor(std_np, dtype=torch.float32)

    def part(indices: np.ndarray) -> tuple[torch.Tensor, torch.Tensor]:
        return (
            torch.from_numpy(np.ascontiguousarray(features[indices])),
            torch.from_numpy(np.asarray(dataset.labels[indices], dtype=np.int64).copy()),
        )

    train_x, train_y = part(train)
    val_x, val_y = part(val)
    test_x, test_y = part(test)
    return Split(train_x, train_y, val_x, val_y, test_x, test_y, dataset.classes, mean, std)


def sample_indices(dataset: Dataset, per_class: int, seed: int = 0) -> np.ndarray:
    """Up to ``per_class`` random sample indices of each class, class by class (for a picture grid)."""
    rng = np.random.default_rng(seed)
    chosen = []
    for label in range(len(dataset.classes)):
        members = np.flatnonzero(dataset.labels == label)
        chosen.append(rng.choice(members, size=min(per_class, len(members)), replace=False))
    return np.concatenate(chosen) if chosen else np.array([], dtype=np.int64)


def write_notmnist_archive(
    images: np.ndarray,
    labels: np.ndarray,
    path: str | os.PathLike[str],
    classes: tuple[str, ...] = LETTERS,
) -> Path:
    """Write images as a ``notMNIST_small/<letter>/<name>.png`` .tar.gz (for tests and benchmarks)."""
    import base64

    target = Path(path)
    with tarfile.open(target, "w:gz", compresslevel=6) as archive:
        for index, (image, label) in enumerate(zip(images, labels, strict=True)):
            png = io.BytesIO()
            Image.fromarray(np.asarray(image, dtype=np.uint8)).save(png, format="PNG")
            stem = base64.b64encode(f"font-{index:06d}.ttf".encode()).decode()
            member = tarfile.TarInfo(f"{NOTMNIST_FOLDER_NAME}/{classes[int(label)]}/{stem}.png")
            member.size = png.tell()
            png.seek(0)
            archive.addfile(member, png)
    return target
