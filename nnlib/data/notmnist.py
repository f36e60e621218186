"""The course's letters: the real notMNIST (folder or archive, cached once parsed) and an offline stand-in.

- :func:`load_notmnist` reads ``notMNIST_small`` from the extracted folder or the
  ``.tar.gz`` archive itself (members read in memory by :mod:`nnlib.data.archive`, nothing
  extracted), skips and counts files that do not decode (the real archive has a couple),
  and caches the parsed arrays as an ``.npz`` so the next load is instant.
- :func:`load_offline_letters` reads ``data/offline_letters.npz``: the letters A-J
  rendered from open-licensed fonts by ``data/make_offline_letters.py``.
- :func:`load_letters` prefers the real notMNIST whenever it is in the data folder.
"""

from __future__ import annotations

import hashlib
import io
import os
import tarfile
import tempfile
import zipfile
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path

import numpy as np
from PIL import Image

from nnlib.core.errors import InputError
from nnlib.data.archive import ImageBuffer, check_letters, parse_archive
from nnlib.data.dataset import (
    CACHE_PREFIX,
    CACHE_VERSION,
    IMAGE_SIDE,
    LETTERS,
    MAX_IMAGE_FILE_BYTES,
    NOTMNIST_ARCHIVE_NAME,
    NOTMNIST_FOLDER_NAME,
    OFFLINE_LETTERS_FILE,
    PROGRESS_EVERY,
    Dataset,
    Progress,
    data_dir_path,
    read_only,
)
from nnlib.data.words import Words


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
        raise InputError("data.offline_letters_missing", file=OFFLINE_LETTERS_FILE.name,
                         path=str(OFFLINE_LETTERS_FILE), error=str(error)) from None
    return Dataset(
        name="offline_letters",
        features=read_only(images),
        labels=read_only(labels),
        classes=classes,
        feature_names=None,
        description=Words("data.offline_letters.description", {"count": faces}),
        source=str(OFFLINE_LETTERS_FILE),
    )


def _layout_refusal(folder: Path, found: list[str]) -> InputError:
    """A folder without A..J: says what it holds instead (its first few entries)."""
    details = {"folder": folder.name, "path": str(folder), "entries": found}
    if not found:
        return InputError("data.bad_folder_layout_empty", **details)
    return InputError("data.bad_folder_layout", found=", ".join(found), **details)


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
    raise _layout_refusal(folder, sorted(entry.name for entry in folder.iterdir())[:5])


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
            raise _layout_refusal(folder, sorted(entry.name for entry in root.iterdir())[:5])
        raise InputError("data.folder_letters_missing", folder=folder.name, path=str(folder),
                         letters=", ".join(missing), missing_letters=missing)
    return files, refused, root


def _parse_folder(folder: Path, progress: Progress | None) -> tuple[ImageBuffer, int]:
    files, refused, _ = _folder_entries(folder)
    buffer = ImageBuffer(capacity=max(1, len(files)))
    total = len(files)
    for done, (entry, label) in enumerate(files, start=1):
        try:
            with open(entry.path, "rb") as handle:
                data = handle.read(MAX_IMAGE_FILE_BYTES + 1)
        except OSError:
            data = b""
        buffer.add(data, label)
        if progress is not None and (done % PROGRESS_EVERY == 0 or done == total):
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


def default_cache_dir() -> Path:
    return data_dir_path(None) / "cache"


def notmnist_cache_file(path: str | os.PathLike[str], cache_dir: str | os.PathLike[str] | None = None) -> Path:
    """Where the parsed arrays of this archive or folder are (or would be) cached."""
    directory = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    return directory / f"{CACHE_PREFIX}{notmnist_source_key(path)}.npz"


def read_cache(cache_file: Path) -> Dataset | None:
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
    return notmnist_dataset(images, labels, skipped, refused, source)


def write_cache(cache_file: Path, dataset: Dataset) -> None:
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


def notmnist_dataset(images: np.ndarray, labels: np.ndarray, skipped: int, refused: int, source: str) -> Dataset:
    name = Path(source).name if source else NOTMNIST_ARCHIVE_NAME
    return Dataset(
        name="notmnist",
        features=read_only(images),
        labels=read_only(labels),
        classes=LETTERS,
        feature_names=None,
        description=Words("data.notmnist.description", {"count": len(labels), "name": name}),
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
        raise InputError("data.not_found", path=str(source))
    cache_file = notmnist_cache_file(source, cache_dir)
    cached = read_cache(cache_file) if cache_file.exists() else None
    if cached is not None:
        if progress is not None:
            progress(1, 1)
        # The key is size + mtime, so the same archive may have been cached under another name.
        return notmnist_dataset(cached.features, cached.labels, cached.skipped, cached.refused, str(source))

    if source.is_dir():
        buffer, refused = _parse_folder(source, progress)
    else:
        buffer, refused, other_files = parse_archive(source, progress)
        check_letters(buffer, source.name, str(source), other_files)
    images, labels = buffer.arrays()
    dataset = notmnist_dataset(images, labels, buffer.skipped, refused, str(source))
    write_cache(cache_file, dataset)
    return dataset


def find_notmnist(data_dir: str | os.PathLike[str] | None = None) -> Path | None:
    """The real notMNIST in the data folder: a downloaded or dropped archive, or an extracted folder."""
    base = data_dir_path(data_dir)
    for candidate in (
        base / "downloads" / NOTMNIST_ARCHIVE_NAME,
        base / NOTMNIST_ARCHIVE_NAME,
        base / "downloads" / NOTMNIST_FOLDER_NAME,
        base / NOTMNIST_FOLDER_NAME,
    ):
        if candidate.exists():
            return candidate
    return None


def cached_notmnist_files(cache_dir: Path) -> Iterator[Path]:
    if cache_dir.is_dir():
        yield from sorted(cache_dir.glob(f"{CACHE_PREFIX}*.npz"), key=lambda p: p.stat().st_mtime, reverse=True)


def latest_cached_notmnist(data_dir: str | os.PathLike[str] | None = None) -> Dataset | None:
    """The most recently cached real notMNIST, even if its archive has since been removed."""
    for cache_file in cached_notmnist_files(data_dir_path(data_dir) / "cache"):
        dataset = read_cache(cache_file)
        if dataset is not None:
            return dataset
    return None


def real_letters_available(data_dir: str | os.PathLike[str] | None = None) -> bool:
    """True if the real notMNIST is in the data folder or its cache."""
    base = data_dir_path(data_dir)
    return find_notmnist(base) is not None or any(True for _ in cached_notmnist_files(base / "cache"))


def load_letters(data_dir: str | os.PathLike[str] | None = None, progress: Progress | None = None) -> Dataset:
    """The real notMNIST if it is present or cached in the data folder, else the offline letters."""
    base = data_dir_path(data_dir)
    source = find_notmnist(base)
    if source is not None:
        return load_notmnist(source, progress=progress, cache_dir=base / "cache")
    cached = latest_cached_notmnist(base)
    if cached is not None:
        return cached
    return load_offline_letters()


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
