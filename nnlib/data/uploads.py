"""Getting notMNIST onto the server, and a student's own archive into their session.

- :func:`download_notmnist` and :func:`import_notmnist_archive` put the class's archive in
  place (``python -m nnlib data download|import``): checked and parsed before it replaces
  anything.
- :func:`load_notmnist_upload` reads a student's own upload for that student only, in
  memory, writing nothing; every message names the student's file, never a server path.
"""

from __future__ import annotations

import hashlib
import io
import os
import tempfile
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import IO, BinaryIO

from nnlib.core.errors import InputError
from nnlib.core.settings import get_settings
from nnlib.data.archive import check_letters, parse_archive, read_tar
from nnlib.data.dataset import (
    LETTERS,
    MEGABYTE,
    NOTMNIST_ARCHIVE_NAME,
    NOTMNIST_URL,
    UPLOAD_PREFIX,
    Dataset,
    Progress,
    data_dir_path,
    read_only,
)
from nnlib.data.notmnist import notmnist_cache_file, notmnist_dataset, write_cache
from nnlib.data.words import Words

_GZIP_MAGIC = b"\x1f\x8b"
_DOWNLOAD_CHUNK = 256 * 1024

def _upload_limit_bytes(max_mb: int | None) -> tuple[int, int]:
    limit_mb = max_mb if max_mb is not None else get_settings().max_upload_mb
    return limit_mb, limit_mb * MEGABYTE


def check_upload_size(size_bytes: int, max_mb: int | None = None) -> None:
    """Raise if an upload is over the instructor's cap (``max_upload_mb``)."""
    limit_mb, limit = _upload_limit_bytes(max_mb)
    if size_bytes > limit:
        raise InputError("data.upload_too_big", size_bytes=size_bytes, size_mb=size_bytes / MEGABYTE, max_mb=limit_mb)


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
        raise InputError("data.upload_too_big_named", **error.details, file_name=display) from None
    buffer, refused, other_files = read_tar(stream, size, display, display, progress)
    check_letters(buffer, display, display, other_files)
    images, labels = buffer.arrays()
    return Dataset(
        name="notmnist",
        features=read_only(images),
        labels=read_only(labels),
        classes=LETTERS,
        feature_names=None,
        description=Words("data.upload.description", {"count": len(labels), "name": display}),
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
        raise InputError("data.no_archive", path=str(source))
    base = data_dir_path(data_dir)
    destination = base / "downloads"
    handle = _temp_in(destination, ".import.")
    temp_path = Path(handle.name)
    try:
        with handle, source.open("rb") as original:
            while chunk := original.read(_DOWNLOAD_CHUNK):
                handle.write(chunk)
        buffer, refused, other_files = parse_archive(temp_path, progress, name=source.name)
        check_letters(buffer, source.name, str(source), other_files)
        final = destination / NOTMNIST_ARCHIVE_NAME
        os.replace(temp_path, final)
    except BaseException:
        temp_path.unlink(missing_ok=True)
        raise
    images, labels = buffer.arrays()
    dataset = notmnist_dataset(images, labels, buffer.skipped, refused, str(final))
    # Renaming keeps size and mtime, so this is the cache entry load_notmnist looks for.
    write_cache(notmnist_cache_file(final, base / "cache"), dataset)
    return dataset


def _already_present_error(final: Path) -> InputError:
    return InputError("data.already_present", file=final.name, path=str(final))


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
        raise InputError("data.bad_url", url=url)
    destination = Path(dest_dir) if dest_dir is not None else data_dir_path(None) / "downloads"
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
            raise InputError("data.download_incomplete", host=host, url=url, done=done, total=total)
        with temp_path.open("rb") as check:
            if check.read(len(_GZIP_MAGIC)) != _GZIP_MAGIC:
                raise InputError("data.download_not_archive", host=host, url=url)
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
        raise InputError("data.download_failed", host=host, url=url, status=error.code,
                         reason=str(error.reason)) from None
    except (urllib.error.URLError, TimeoutError, OSError) as error:
        temp_path.unlink(missing_ok=True)
        reason = getattr(error, "reason", error)
        raise InputError("data.offline", host=host, url=url, error=str(reason)) from None
    except BaseException:
        temp_path.unlink(missing_ok=True)
        raise
