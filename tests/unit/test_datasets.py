"""Data sets: iris, the notMNIST loader (archive, folder, cache, failures), download, import, split."""

from __future__ import annotations

import http.server
import io
import os
import socket
import tarfile
import threading
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from nnlib import data as ds
from nnlib.core.errors import InputError

PER_CLASS = 3  # images per letter in the small archive and folder


# ------------------------------------------------------------------ fixtures


@pytest.fixture(scope="module")
def offline() -> ds.Dataset:
    return ds.load_offline_letters()


@pytest.fixture(scope="module")
def small(offline: ds.Dataset) -> tuple[np.ndarray, np.ndarray]:
    """PER_CLASS offline images of each letter, in letter order."""
    index = ds.sample_indices(offline, PER_CLASS, seed=1)
    return offline.images[index].copy(), offline.labels[index].copy()


def png_bytes(image: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(image).save(buffer, format="PNG")
    return buffer.getvalue()


def add_file(archive: tarfile.TarFile, name: str, data: bytes) -> None:
    member = tarfile.TarInfo(name)
    member.size = len(data)
    archive.addfile(member, io.BytesIO(data))


def add_link(archive: tarfile.TarFile, name: str, target: str, kind: bytes) -> None:
    member = tarfile.TarInfo(name)
    member.type = kind
    member.linkname = target
    archive.addfile(member)


@pytest.fixture
def real_archive(tmp_path: Path, small: tuple[np.ndarray, np.ndarray]) -> Path:
    """A notMNIST-layout .tar.gz: 30 good images, one undecodable file, and members to refuse."""
    images, labels = small
    path = tmp_path / "notMNIST_small.tar.gz"
    with tarfile.open(path, "w:gz") as archive:
        directory = tarfile.TarInfo("notMNIST_small")
        directory.type = tarfile.DIRTYPE
        archive.addfile(directory)
        for index, (image, label) in enumerate(zip(images, labels, strict=True)):
            add_file(archive, f"notMNIST_small/{ds.LETTERS[label]}/img{index:03d}.png", png_bytes(image))
        add_file(archive, "notMNIST_small/C/broken.png", b"")  # like the two empty files in the real one
        add_file(archive, "notMNIST_small/README.txt", b"not an image")
        add_link(archive, "notMNIST_small/A/link.png", "/etc/passwd", tarfile.SYMTYPE)
        add_link(archive, "notMNIST_small/B/hard.png", "notMNIST_small/A/img000.png", tarfile.LNKTYPE)
        add_file(archive, "../escape/A/up.png", png_bytes(images[0]))
        add_file(archive, "/abs/A/root.png", png_bytes(images[0]))
    return path


@pytest.fixture
def real_folder(tmp_path: Path, small: tuple[np.ndarray, np.ndarray]) -> Path:
    """The extracted layout: <tmp>/extracted/notMNIST_small/<A..J>/*.png, a bad file and a link."""
    images, labels = small
    root = tmp_path / "extracted" / "notMNIST_small"
    for index, (image, label) in enumerate(zip(images, labels, strict=True)):
        letter_dir = root / ds.LETTERS[label]
        letter_dir.mkdir(parents=True, exist_ok=True)
        (letter_dir / f"img{index:03d}.png").write_bytes(png_bytes(image))
    (root / "D" / "zz_broken.png").write_bytes(b"\x89PNG\r\n\x1a\n truncated")
    os.symlink("/etc/passwd", root / "E" / "zz_link.png")
    return tmp_path / "extracted"


# ------------------------------------------------------------------ iris


def test_iris_is_fishers_data() -> None:
    iris = ds.load_iris()
    assert iris.name == "iris"
    assert iris.features.shape == (150, 4) and iris.features.dtype == np.float32
    assert iris.labels.shape == (150,) and iris.labels.dtype == np.int64
    assert iris.classes == ("setosa", "versicolor", "virginica")
    assert iris.feature_names == (
        "sepal length (cm)", "sepal width (cm)", "petal length (cm)", "petal width (cm)",
    )
    np.testing.assert_allclose(iris.features[0], [5.1, 3.5, 1.4, 0.2], rtol=1e-6)
    from sklearn.datasets import load_iris  # the oracle: scikit-learn's own reader of the same file

    bunch = load_iris()
    np.testing.assert_array_equal(iris.features, bunch.data.astype(np.float32))
    np.testing.assert_array_equal(iris.labels, bunch.target)
    assert iris.feature_names == tuple(bunch.feature_names)
    assert iris.class_counts().tolist() == [50, 50, 50]
    assert not iris.is_image
    with pytest.raises(AttributeError):
        _ = iris.images


# ------------------------------------------------------------------ offline letters


def test_offline_letters_are_balanced_and_notmnist_shaped(offline: ds.Dataset) -> None:
    assert offline.name == "offline_letters"
    assert offline.images is offline.features
    assert offline.images.shape == (10_000, 28, 28) and offline.images.dtype == np.uint8
    assert offline.labels.dtype == np.int64
    assert offline.classes == tuple("ABCDEFGHIJ")
    assert offline.class_counts().tolist() == [1000] * 10
    assert "not the real notMNIST" in offline.description
    # White letters on black: the border is mostly background, every image has ink.
    border = np.concatenate([offline.images[:, 0, :], offline.images[:, -1, :]], axis=1)
    assert (border == 0).mean() > 0.8
    peaks = offline.images.reshape(len(offline), -1).max(axis=1)
    assert (peaks >= 64).all() and (peaks >= 200).mean() > 0.99  # hairline faces render faint, as in notMNIST
    assert not offline.images.flags.writeable


def test_offline_letters_file_names_its_fonts() -> None:
    with np.load(ds.OFFLINE_LETTERS_FILE, allow_pickle=False) as bundle:
        font_names = bundle["font_names"]
        font_of_image = bundle["font_of_image"]
        labels = bundle["labels"]
        assert int(bundle["per_class"]) == 1000
    assert len(set(font_names.tolist())) == len(font_names) >= 100
    assert font_of_image.max() < len(font_names)
    for label in range(10):  # every face draws every letter
        assert len(np.unique(font_of_image[labels == label])) == len(font_names)
    assert ds.OFFLINE_LETTERS_FILE.stat().st_size < 8 * ds.MEGABYTE


# ------------------------------------------------------------------ notMNIST archive and folder


def test_archive_loads_images_labels_and_counts(real_archive: Path, small, tmp_path: Path) -> None:
    images, labels = small
    seen: list[tuple[int, int]] = []
    dataset = ds.load_notmnist(real_archive, progress=lambda done, total: seen.append((done, total)),
                               cache_dir=tmp_path / "cache")
    assert dataset.name == "notmnist"
    assert dataset.images.shape == (30, 28, 28) and dataset.images.dtype == np.uint8
    assert dataset.labels.dtype == np.int64
    np.testing.assert_array_equal(dataset.images, images)  # archive order is kept
    np.testing.assert_array_equal(dataset.labels, labels)
    assert dataset.classes == tuple("ABCDEFGHIJ")
    assert dataset.class_counts().tolist() == [PER_CLASS] * 10
    assert dataset.skipped == 1  # the empty C/broken.png
    assert dataset.refused == 4  # symlink, hard link, '..' path, absolute path
    assert "notMNIST_small (real)" in dataset.description
    size = real_archive.stat().st_size
    assert seen and seen[-1] == (size, size)


def test_folder_loads_from_parent_or_letter_root(real_folder: Path, small, tmp_path: Path) -> None:
    images, labels = small
    for path in (real_folder, real_folder / "notMNIST_small"):
        seen: list[tuple[int, int]] = []
        dataset = ds.load_notmnist(path, progress=lambda d, t, seen=seen: seen.append((d, t)),
                                   cache_dir=tmp_path / f"cache-{path.name}")
        np.testing.assert_array_equal(dataset.images, images)  # files sorted by name within a letter
        np.testing.assert_array_equal(dataset.labels, labels)
        assert dataset.skipped == 1 and dataset.refused == 1
        assert seen[-1] == (31, 31)  # 30 good files and the broken one


def test_second_load_comes_from_the_cache(real_archive: Path, tmp_path: Path, monkeypatch) -> None:
    cache_dir = tmp_path / "cache"
    first = ds.load_notmnist(real_archive, cache_dir=cache_dir)
    cache_file = ds.notmnist_cache_file(real_archive, cache_dir)
    assert cache_file.exists()
    assert sorted(p.name for p in cache_dir.iterdir()) == [cache_file.name]  # no temp file left

    def no_parsing(*args, **kwargs):
        raise AssertionError("parsed again instead of using the cache")

    monkeypatch.setattr(ds.notmnist, "parse_archive", no_parsing)
    second = ds.load_notmnist(real_archive, cache_dir=cache_dir)
    np.testing.assert_array_equal(second.images, first.images)
    np.testing.assert_array_equal(second.labels, first.labels)
    assert (second.skipped, second.refused, second.source) == (1, 4, str(real_archive))

    # A changed archive (new mtime) is parsed again.
    stat = real_archive.stat()
    os.utime(real_archive, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))
    with pytest.raises(AssertionError, match="parsed again"):
        ds.load_notmnist(real_archive, cache_dir=cache_dir)


def test_damaged_cache_file_is_ignored(real_archive: Path, tmp_path: Path) -> None:
    cache_dir = tmp_path / "cache"
    cache_file = ds.notmnist_cache_file(real_archive, cache_dir)
    cache_dir.mkdir()
    cache_file.write_bytes(b"PK\x03\x04 half a zip")
    dataset = ds.load_notmnist(real_archive, cache_dir=cache_dir)
    assert len(dataset) == 30
    with np.load(cache_file, allow_pickle=False) as cached:  # rewritten whole
        assert cached["images"].shape == (30, 28, 28)


def test_cache_write_failure_leaves_nothing_half_written(real_archive: Path, tmp_path: Path, monkeypatch) -> None:
    def savez_then_fail(handle, **arrays):
        handle.write(b"PK partial")
        raise OSError("disk full")

    monkeypatch.setattr(ds.notmnist.np, "savez", savez_then_fail)
    cache_dir = tmp_path / "cache"
    dataset = ds.load_notmnist(real_archive, cache_dir=cache_dir)
    assert len(dataset) == 30  # loading still works
    assert list(cache_dir.iterdir()) == []


def test_folder_cache_and_mtime_key(real_folder: Path, tmp_path: Path, monkeypatch) -> None:
    cache_dir = tmp_path / "cache"
    ds.load_notmnist(real_folder, cache_dir=cache_dir)
    monkeypatch.setattr(ds.notmnist, "_parse_folder", lambda *a, **k: pytest.fail("parsed again"))
    assert len(ds.load_notmnist(real_folder, cache_dir=cache_dir)) == 30


# ------------------------------------------------------------------ failure messages


def error_for(path: Path, tmp_path: Path) -> InputError:
    with pytest.raises(InputError) as caught:
        ds.load_notmnist(path, cache_dir=tmp_path / "cache")
    assert not list((tmp_path / "cache").glob("*")) if (tmp_path / "cache").exists() else True
    return caught.value


@pytest.mark.parametrize("keep", [0.5, 0.9])
def test_truncated_archive(real_archive: Path, tmp_path: Path, keep: float) -> None:
    data = real_archive.read_bytes()
    cut = tmp_path / "cut.tar.gz"
    cut.write_bytes(data[: int(len(data) * keep)])
    error = error_for(cut, tmp_path)
    assert error.code == "data.truncated_archive"
    assert error.message == (
        "cut.tar.gz is damaged or incomplete: it ends before the archive does. Download or copy it again."
    )


def test_gzip_header_only_counts_as_truncated(real_archive: Path, tmp_path: Path) -> None:
    cut = tmp_path / "tiny.tar.gz"
    cut.write_bytes(real_archive.read_bytes()[:20])
    assert error_for(cut, tmp_path).code == "data.truncated_archive"


def test_not_an_archive(tmp_path: Path) -> None:
    page = tmp_path / "notMNIST_small.tar.gz"
    page.write_text("<html>404 Not Found</html>")
    error = error_for(page, tmp_path)
    assert error.code == "data.not_archive"
    assert error.message == "notMNIST_small.tar.gz is not a .tar.gz archive."


def test_foreign_archive(tmp_path: Path, small) -> None:
    images, _ = small
    path = tmp_path / "holiday.tar.gz"
    with tarfile.open(path, "w:gz") as archive:
        add_file(archive, "photos/beach.png", png_bytes(images[0]))
        add_file(archive, "photos/notes.txt", b"hello")
    error = error_for(path, tmp_path)
    assert error.code == "data.not_notmnist"
    assert error.message == (
        "holiday.tar.gz does not look like notMNIST: expected images notMNIST_small/<A-J>/<name>.png, "
        "found photos/beach.png; photos/notes.txt."
    )


def test_archive_that_expands_enormously_is_refused_unread(tmp_path: Path) -> None:
    path = tmp_path / "bomb.tar.gz"
    with tarfile.open(path, "w:gz") as archive:
        member = tarfile.TarInfo("notMNIST_small/A/huge.bin")
        member.size = 80 * ds.MEGABYTE  # zeros: compresses to under 100 KB
        archive.addfile(member, io.BytesIO(bytes(member.size)))
    assert path.stat().st_size < ds.MEGABYTE
    error = error_for(path, tmp_path)
    assert error.code == "data.unpacks_too_much"
    assert error.message == "bomb.tar.gz is not notMNIST: it unpacks to far more data than its size suggests."


def test_archive_missing_letters(tmp_path: Path, small) -> None:
    images, labels = small
    path = tmp_path / "partial.tar.gz"
    keep = labels < 8  # no I, no J
    ds.write_notmnist_archive(images[keep], labels[keep], path)
    error = error_for(path, tmp_path)
    assert error.code == "data.letters_missing"
    assert error.message == "partial.tar.gz looks like notMNIST but has no images for the letters I, J."
    assert error.details["missing_letters"] == ["I", "J"]


def test_folder_with_wrong_layout(tmp_path: Path) -> None:
    folder = tmp_path / "pictures"
    (folder / "cats").mkdir(parents=True)
    (folder / "dogs").mkdir()
    error = error_for(folder, tmp_path)
    assert error.code == "data.bad_folder_layout"
    assert error.message == (
        "The folder pictures does not have the notMNIST layout: it should hold folders A, B, ... J "
        "with .png images (found: cats, dogs)."
    )


def test_folder_missing_letters(real_folder: Path, tmp_path: Path) -> None:
    for path in (real_folder / "notMNIST_small" / "J").iterdir():
        path.unlink()
    error = error_for(real_folder, tmp_path)
    assert error.code == "data.folder_letters_missing"
    assert error.message == "The folder extracted has no .png images for the letters J."


def test_missing_path(tmp_path: Path) -> None:
    error = error_for(tmp_path / "nowhere.tar.gz", tmp_path)
    assert error.code == "data.not_found"


# ------------------------------------------------------------------ upload cap and instructor import


def test_upload_size_cap() -> None:
    ds.check_upload_size(ds.MEGABYTE, max_mb=1)
    with pytest.raises(InputError) as caught:
        ds.check_upload_size(3 * ds.MEGABYTE, max_mb=2)
    assert caught.value.code == "data.upload_too_big"
    assert caught.value.message == "The file is 3.0 MB; uploads are limited to 2 MB."


def test_upload_cap_comes_from_settings(monkeypatch) -> None:
    from nnlib.core.settings import get_settings

    monkeypatch.setenv("NNLIB_MAX_UPLOAD_MB", "1")
    get_settings.cache_clear()
    try:
        with pytest.raises(InputError, match="limited to 1 MB"):
            ds.check_upload_size(ds.MEGABYTE + 1)
    finally:
        get_settings.cache_clear()


def test_instructor_import_is_checked_then_put_in_place(real_archive: Path, tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    seen: list[tuple[int, int]] = []
    dataset = ds.import_notmnist_archive(real_archive, data_dir=data_dir, progress=lambda d, t: seen.append((d, t)))
    final = data_dir / "downloads" / ds.NOTMNIST_ARCHIVE_NAME
    assert [p.name for p in final.parent.iterdir()] == [final.name]  # no temporary copy left
    assert final.read_bytes() == real_archive.read_bytes()
    assert dataset.source == str(final) and dataset.source_path == str(final)
    assert (len(dataset), dataset.skipped, dataset.refused) == (30, 1, 4)
    assert seen[-1][0] == seen[-1][1] == real_archive.stat().st_size
    # Cached under the key of the file in place: the page's first load parses nothing.
    assert ds.notmnist_cache_file(final, data_dir / "cache").exists()
    assert ds.find_notmnist(data_dir) == final


def test_a_bad_import_leaves_the_class_copy_alone(real_archive: Path, tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    ds.import_notmnist_archive(real_archive, data_dir=data_dir)
    final = data_dir / "downloads" / ds.NOTMNIST_ARCHIVE_NAME
    data = real_archive.read_bytes()
    cut = tmp_path / "cut.tar.gz"
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(InputError) as truncated:
        ds.import_notmnist_archive(cut, data_dir=data_dir)
    assert truncated.value.code == "data.truncated_archive"
    assert truncated.value.message.startswith("cut.tar.gz is damaged or incomplete")
    with pytest.raises(InputError) as missing:
        ds.import_notmnist_archive(tmp_path / "absent.tar.gz", data_dir=data_dir)
    assert missing.value.code == "data.no_archive"
    assert [p.name for p in final.parent.iterdir()] == [final.name]
    assert final.read_bytes() == data


# ------------------------------------------------------------------ download (loopback only)


class _Handler(http.server.BaseHTTPRequestHandler):
    routes: dict[str, tuple[int, bytes]] = {}

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        status, body = self.routes.get(self.path, (404, b"missing"))
        if status == 0:  # hang without answering, to trigger the client's timeout
            threading.Event().wait(3)
            return
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def server(real_archive: Path) -> Iterator[str]:
    _Handler.routes = {
        "/notMNIST_small.tar.gz": (200, real_archive.read_bytes()),
        "/page.html": (200, b"<html>please log in</html>"),
        "/slow": (0, b""),
    }
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_download_with_progress(server: str, real_archive: Path, tmp_path: Path) -> None:
    seen: list[tuple[int, int]] = []
    path = ds.download_notmnist(f"{server}/notMNIST_small.tar.gz", dest_dir=tmp_path / "dl",
                                progress=lambda d, t: seen.append((d, t)), timeout=5)
    size = real_archive.stat().st_size
    assert path == tmp_path / "dl" / ds.NOTMNIST_ARCHIVE_NAME
    assert path.read_bytes() == real_archive.read_bytes()
    assert seen[-1] == (size, size)
    assert [p.name for p in (tmp_path / "dl").iterdir()] == [path.name]


@pytest.mark.parametrize(
    ("route", "code", "message_start"),
    [
        ("/absent.tar.gz", "data.download_failed", "127.0.0.1 answered 404 Not Found"),
        ("/page.html", "data.download_not_archive", "127.0.0.1 did not send a .tar.gz archive"),
        ("/slow", "data.offline", "Could not reach 127.0.0.1 to download notMNIST (no network?)"),
    ],
)
def test_download_failures_leave_nothing(server: str, tmp_path: Path, route: str, code: str,
                                         message_start: str) -> None:
    with pytest.raises(InputError) as caught:
        ds.download_notmnist(f"{server}{route}", dest_dir=tmp_path / "dl", timeout=0.5)
    assert caught.value.code == code
    assert caught.value.message.startswith(message_start)
    assert list((tmp_path / "dl").iterdir()) == []


def test_download_from_the_page_never_replaces_the_class_copy(server: str, tmp_path: Path) -> None:
    downloads = tmp_path / "dl"
    downloads.mkdir()
    class_copy = downloads / ds.NOTMNIST_ARCHIVE_NAME
    class_copy.write_bytes(b"the instructor's archive")
    with pytest.raises(InputError) as caught:
        ds.download_notmnist(f"{server}/notMNIST_small.tar.gz", dest_dir=downloads, timeout=5,
                             replace_existing=False)
    assert caught.value.code == "data.already_present"
    assert caught.value.message == (
        "notMNIST_small.tar.gz is already in place; the class's copy is not replaced from here."
    )
    assert class_copy.read_bytes() == b"the instructor's archive"
    assert [p.name for p in downloads.iterdir()] == [class_copy.name]


def test_download_that_finds_a_copy_put_in_place_meanwhile_keeps_it(server: str, tmp_path: Path,
                                                                     monkeypatch) -> None:
    downloads = tmp_path / "dl"
    class_copy = downloads / ds.NOTMNIST_ARCHIVE_NAME

    def instructor_imports_meanwhile(done: int, total: int) -> None:
        if not class_copy.exists():
            class_copy.write_bytes(b"the instructor's archive")

    with pytest.raises(InputError) as caught:
        ds.download_notmnist(f"{server}/notMNIST_small.tar.gz", dest_dir=downloads, timeout=5,
                             progress=instructor_imports_meanwhile, replace_existing=False)
    assert caught.value.code == "data.already_present"
    assert class_copy.read_bytes() == b"the instructor's archive"
    assert [p.name for p in downloads.iterdir()] == [class_copy.name]


def test_download_without_network(tmp_path: Path) -> None:
    with socket.socket() as probe:  # a port nobody listens on: connection refused, like no network
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(InputError) as caught:
        ds.download_notmnist(f"http://127.0.0.1:{port}/notMNIST_small.tar.gz", dest_dir=tmp_path, timeout=2)
    error = caught.value
    assert error.code == "data.offline"
    assert error.message.startswith("Could not reach 127.0.0.1 to download notMNIST (no network?)")
    assert error.message.endswith(
        "Use the offline letters, or put notMNIST_small.tar.gz into data/downloads/ by hand."
    )
    assert list(tmp_path.iterdir()) == []


def test_download_refuses_other_schemes(tmp_path: Path) -> None:
    with pytest.raises(InputError) as caught:
        ds.download_notmnist("file:///etc/passwd", dest_dir=tmp_path)
    assert caught.value.code == "data.bad_url"


# ------------------------------------------------------------------ load_letters


def test_load_letters_prefers_real_then_cache_then_offline(real_archive: Path, tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    assert ds.load_letters(data_dir).name == "offline_letters"
    assert not ds.real_letters_available(data_dir)

    (data_dir / "downloads").mkdir()
    dropped = data_dir / "downloads" / ds.NOTMNIST_ARCHIVE_NAME
    dropped.write_bytes(real_archive.read_bytes())
    assert ds.find_notmnist(data_dir) == dropped
    real = ds.load_letters(data_dir)
    assert real.name == "notmnist" and len(real) == 30
    assert ds.notmnist_cache_file(dropped, data_dir / "cache").exists()

    assert real.source_path == str(dropped)  # what the training engine passes back to load_notmnist

    dropped.unlink()  # the archive is gone, its parsed arrays are still cached
    assert ds.real_letters_available(data_dir)
    cached = ds.load_letters(data_dir)
    assert cached.name == "notmnist"
    np.testing.assert_array_equal(cached.images, real.images)
    assert cached.source_path is None
    assert ds.load_offline_letters().source_path is None and ds.load_iris().source_path is None


# ------------------------------------------------------------------ split


def test_iris_split_is_stratified_and_seeded() -> None:
    iris = ds.load_iris()
    split = ds.split_dataset(iris, val_fraction=0.15, test_fraction=0.15, seed=0)
    # 50 per species: 7.5 rounds half up to 8 for validation and for test, 34 left to train.
    assert torch.bincount(split.train_y).tolist() == [34, 34, 34]
    assert torch.bincount(split.val_y).tolist() == [8, 8, 8]
    assert torch.bincount(split.test_y).tolist() == [8, 8, 8]
    assert split.train_x.dtype == torch.float32 and split.train_y.dtype == torch.int64
    assert split.train_x.shape == (102, 4) and split.mean is None and split.std is None
    rows = torch.cat([split.train_x, split.val_x, split.test_x])
    assert sorted(map(tuple, rows.tolist())) == sorted(map(tuple, torch.tensor(iris.features).tolist()))
    again = ds.split_dataset(iris, seed=0)
    assert torch.equal(again.train_x, split.train_x) and torch.equal(again.test_y, split.test_y)
    other = ds.split_dataset(iris, seed=1)
    assert not torch.equal(other.train_x, split.train_x)


def test_standardization_uses_training_statistics_only() -> None:
    iris = ds.load_iris()
    raw = ds.split_dataset(iris, seed=3)
    scaled = ds.split_dataset(iris, seed=3, standardize=True)
    mean = raw.train_x.double().mean(dim=0)
    std = raw.train_x.double().std(dim=0, unbiased=False)
    torch.testing.assert_close(scaled.mean.double(), mean, rtol=1e-6, atol=1e-6)
    torch.testing.assert_close(scaled.std.double(), std, rtol=1e-6, atol=1e-6)
    torch.testing.assert_close(scaled.train_x.mean(dim=0), torch.zeros(4), atol=1e-5, rtol=0)
    torch.testing.assert_close(scaled.train_x.std(dim=0, unbiased=False), torch.ones(4), atol=1e-5, rtol=0)
    for raw_x, scaled_x in ((raw.val_x, scaled.val_x), (raw.test_x, scaled.test_x)):
        torch.testing.assert_close(scaled_x, ((raw_x.double() - mean) / std).float(), atol=1e-5, rtol=0)
    # The whole data set's statistics differ from the training part's: they were not used.
    assert not torch.allclose(torch.tensor(iris.features).double().mean(dim=0), mean, atol=1e-4)


def test_image_split_scales_to_unit_range(offline: ds.Dataset) -> None:
    split = ds.split_dataset(offline, val_fraction=0.2, test_fraction=0.2, seed=0)
    assert split.train_x.shape == (6000, 28, 28) and split.train_x.dtype == torch.float32
    assert torch.bincount(split.val_y).tolist() == [200] * 10
    assert float(split.train_x.min()) == 0.0 and float(split.train_x.max()) == 1.0
    first = int(ds.stratified_indices(offline.labels, 0.2, 0.2, 0)[0][0])
    torch.testing.assert_close(split.train_x[0], torch.from_numpy(offline.images[first] / 255.0).float())
    scaled = ds.split_dataset(offline, val_fraction=0.2, test_fraction=0.2, seed=0, standardize=True)
    assert scaled.mean.shape == () and scaled.std.shape == ()
    torch.testing.assert_close(scaled.mean, split.train_x.mean(), atol=1e-5, rtol=0)


@pytest.mark.parametrize(("val", "test"), [(-0.1, 0.2), (0.5, 0.5), (1.0, 0.0)])
def test_bad_fractions(val: float, test: float) -> None:
    with pytest.raises(InputError) as caught:
        ds.split_dataset(ds.load_iris(), val_fraction=val, test_fraction=test)
    assert caught.value.code == "data.bad_split"


@settings(max_examples=150, deadline=None)
@given(
    counts=st.lists(st.integers(1, 40), min_size=1, max_size=6),
    val=st.floats(0, 0.45),
    test=st.floats(0, 0.45),
    seed=st.integers(0, 2**32 - 1),
)
def test_stratified_indices_partition_every_class(counts: list[int], val: float, test: float, seed: int) -> None:
    labels = np.repeat(np.arange(len(counts)), counts)
    train, val_idx, test_idx = ds.stratified_indices(labels, val, test, seed)
    everything = np.concatenate([train, val_idx, test_idx])
    assert sorted(everything.tolist()) == list(range(len(labels)))
    for label, count in enumerate(counts):
        n_train = int((labels[train] == label).sum())
        n_val = int((labels[val_idx] == label).sum())
        n_test = int((labels[test_idx] == label).sum())
        assert n_train >= 1
        # Each class is split in the requested proportions, up to rounding.
        if count * (val + test) + 1 < count:
            assert abs(n_val - count * val) <= 0.5 + 1e-9
            assert abs(n_test - count * test) <= 0.5 + 1e-9


def test_a_data_set_too_small_to_split_is_refused_with_what_is_needed() -> None:
    from nnlib.data import Dataset, split_dataset

    tiny = Dataset("notmnist", np.zeros((10, 28, 28), np.uint8), np.arange(10), tuple("ABCDEFGHIJ"), None,
                   "notMNIST (your upload): 10 images from mine.tar.gz")
    with pytest.raises(InputError) as refused:
        split_dataset(tiny)
    assert refused.value.code == "data.too_few_samples"
    assert refused.value.message == ("notMNIST (your upload): 10 images from mine.tar.gz has 10 samples: too few to "
                                     "set some aside for validation and testing. Use at least 4 per class.")
    enough = Dataset("notmnist", np.zeros((40, 28, 28), np.uint8), np.arange(40) % 10, tuple("ABCDEFGHIJ"), None, "")
    split = split_dataset(enough)
    assert (len(split.train_y), len(split.val_y), len(split.test_y)) == (20, 10, 10)
