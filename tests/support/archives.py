"""Tar archives built by hand, small, for the tests and the class load tool's adversaries.

A hostile archive is a hand-made header and a few MB of zeros, gzipped: what a student could
upload to make a careless reader hold what the header declares.
"""

from __future__ import annotations

import io
import zlib
from collections.abc import Iterable, Iterator
from pathlib import Path

import numpy as np
from PIL import Image

MEGABYTE = 1024 * 1024
GIB = 1024**3


def header(name: bytes, size: int, typeflag: bytes = b"0", *, base256: bool = False,
           prefix: bytes = b"") -> bytes:
    """One 512-byte ustar header with a correct checksum."""
    block = bytearray(512)
    block[0 : len(name)] = name
    block[100:108] = b"0000644\0"
    block[108:116] = b"0000000\0"
    block[116:124] = b"0000000\0"
    block[124:136] = b"\x80" + size.to_bytes(11, "big") if base256 else b"%011o\0" % size
    block[136:148] = b"00000000000\0"
    block[156:157] = typeflag
    block[257:263] = b"ustar\0"
    block[263:265] = b"00"
    block[345 : 345 + len(prefix)] = prefix
    block[148:156] = b" " * 8
    block[148:156] = b"%06o\0 " % sum(block)
    return bytes(block)


def padded(data: bytes) -> bytes:
    return data + bytes(-len(data) % 512)


def pax(records: dict[bytes, bytes]) -> bytes:
    out = b""
    for key, value in records.items():
        body = b" %s=%s\n" % (key, value)
        length = len(body) + 1
        while len(body) + len(str(length)) != length:  # the length counts its own digits
            length = len(body) + len(str(length))
        out += b"%d%s" % (length, body)
    return out


def gzip_parts(parts: Iterable[bytes], level: int = 6) -> bytes:
    compressor = zlib.compressobj(level, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    return b"".join(compressor.compress(part) for part in parts) + compressor.flush()


def zeros(megabytes: int) -> Iterator[bytes]:
    chunk = bytes(MEGABYTE)
    for _ in range(megabytes):
        yield chunk


def png_bytes(image: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(image).save(buffer, format="PNG")
    return buffer.getvalue()


def long_name_bomb(folder: Path, megabytes: int = 4) -> Path:
    """letters.tar.gz: one GNU long-name header (type L) declaring 2 GiB, then ``megabytes`` of zeros."""
    path = folder / "letters.tar.gz"
    path.write_bytes(gzip_parts([header(b"././@LongLink", 2 * GIB, b"L"), *zeros(megabytes)]))
    return path


def tiny_letters_archive(folder: Path) -> Path:
    """A valid notMNIST_small .tar.gz of ten offline images, one letter of each class."""
    from nnlib import data as datasets

    letters = datasets.load_offline_letters()
    first = [int(np.flatnonzero(letters.labels == label)[0]) for label in range(len(letters.classes))]
    return datasets.write_notmnist_archive(letters.images[first], letters.labels[first],
                                           folder / datasets.NOTMNIST_ARCHIVE_NAME)
