"""notMNIST archives read in bounded memory: a small tar reader of this package's own.

Python's tarfile reads a GNU long name or a pax header whole, whatever size it declares,
before the caller sees the member; an upload of 2 MB could take gigabytes of memory that
way. This reader checks every header's declared size, the member count and the bytes
unpacked (``max_archive_members``, ``max_archive_mb``, :data:`MAX_EXPANSION_RATIO`) before
it reads anything a header announces, and it decompresses a chunk at a time. Images are
decoded straight into a preallocated array (:class:`ImageBuffer`).
"""

from __future__ import annotations

import bz2
import io
import lzma
import os
import struct
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import numpy as np
from PIL import Image

from nnlib.core.errors import InputError
from nnlib.core.settings import get_settings
from nnlib.data.dataset import (
    IMAGE_SIDE,
    LETTERS,
    MAX_EXPANSION_RATIO,
    MAX_IMAGE_FILE_BYTES,
    MEGABYTE,
    PROGRESS_EVERY,
    Progress,
)


class ImageBuffer:
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
    details = {"name": name, "path": where, "missing_letters": list(missing), "examples": examples[:3]}
    if len(missing) < len(LETTERS):
        return InputError("data.letters_missing", letters=", ".join(missing), **details)
    if not examples:
        return InputError("data.not_notmnist_nothing_found", **details)
    return InputError("data.not_notmnist", found="; ".join(examples[:3]), **details)


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
    return InputError("data.truncated_archive", name=name, path=where, error=str(error))


def _not_archive_error(name: str, where: str, error: BaseException | str) -> InputError:
    return InputError("data.not_archive", name=name, path=where, error=str(error))


# ------------------------------------------------------------ a bounded tar reader

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


def size_text(size: int) -> str:
    """A size as a short detail: "64 KB", "2,048 MB"."""
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
    details = {"name": name, "path": where, "expanded_bytes": expanded, "limit_bytes": limits.total_bytes}
    if limits.by_expansion:
        return InputError("data.unpacks_too_much", **details)
    return InputError("data.archive_too_big", limit=size_text(limits.total_bytes), **details)


def read_tar(
    raw: BinaryIO, total: int, name: str, where: str, progress: Progress | None
) -> tuple[ImageBuffer, int, list[str]]:
    """Images, refused entries and a few other files of a notMNIST archive, in bounded memory.

    Every header is checked (checksum, declared size, member count, bytes left under the
    ceiling) before anything it announces is read.
    """
    buffer = ImageBuffer(capacity=20_000)
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
                raise InputError("data.damaged_archive", name=name, path=where, entry=members + 1,
                                 error=str(error)) from None
            members += 1
            expanded += _BLOCK
            if members > limits.members:
                raise InputError("data.too_many_members", name=name, path=where, max_members=limits.members)
            if progress is not None and members % PROGRESS_EVERY == 0:
                progress(stream.raw_bytes, total)
            if typeflag in _META_TYPES:
                if size > MAX_ARCHIVE_HEADER_BYTES:
                    raise InputError("data.archive_header_too_big", name=name, path=where, entry=members,
                                     declared_bytes=size, declared=size_text(size),
                                     limit=size_text(MAX_ARCHIVE_HEADER_BYTES))
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
        raise InputError("data.damaged_archive", name=name, path=where, entry=members, error=str(error)) from None
    except (zlib.error, lzma.LZMAError, EOFError, OSError) as error:
        raise _truncated_error(name, where, error) from None
    if progress is not None:
        progress(total, total)
    return buffer, refused, other_files


def parse_archive(
    path: Path, progress: Progress | None, name: str | None = None
) -> tuple[ImageBuffer, int, list[str]]:
    """Parse an archive file; errors name it ``name`` (default: the file's own name)."""
    where = str(path) if name is None else name
    with path.open("rb") as raw:
        return read_tar(raw, path.stat().st_size, name or path.name, where, progress)


def check_letters(buffer: ImageBuffer, name: str, where: str, other_files: list[str]) -> None:
    """Raise the layout error unless every letter A-J has at least one image."""
    present = set(buffer.labels[: buffer.count].tolist())
    missing = tuple(letter for index, letter in enumerate(LETTERS) if index not in present)
    if missing:
        raise _layout_error(name, where, other_files, missing)
