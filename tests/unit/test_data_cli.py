"""`python -m nnlib data import|download`: the instructor puts the class's notMNIST in place."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from nnlib import data as ds
from nnlib.__main__ import _parser, main
from nnlib.core.settings import get_settings


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch) -> Iterator[Path]:
    folder = tmp_path / "data"
    monkeypatch.setenv("NNLIB_DATA_DIR", str(folder))
    get_settings.cache_clear()
    yield folder
    get_settings.cache_clear()


@pytest.fixture(scope="module")
def archive(tmp_path_factory) -> Path:
    offline = ds.load_offline_letters()
    index = ds.sample_indices(offline, 2, seed=7)
    path = tmp_path_factory.mktemp("cli") / "notMNIST_small.tar.gz"
    return ds.write_notmnist_archive(offline.images[index], offline.labels[index], path)


def test_import_checks_then_puts_the_archive_in_place(archive: Path, data_dir: Path, capsys) -> None:
    assert main(["data", "import", str(archive)]) == 0
    final = data_dir / "downloads" / ds.NOTMNIST_ARCHIVE_NAME
    assert final.read_bytes() == archive.read_bytes()
    out = capsys.readouterr().out
    assert out.startswith("imported 20 images (A 2, B 2, C 2, D 2, E 2, F 2, G 2, H 2, I 2, J 2) as ")
    assert out.rstrip().endswith(str(final))
    # The page now finds it, already parsed.
    assert ds.notmnist_cache_file(final, data_dir / "cache").exists()
    assert len(ds.load_letters()) == 20


def test_a_bad_import_changes_nothing(archive: Path, data_dir: Path, tmp_path: Path, capsys) -> None:
    assert main(["data", "import", str(archive)]) == 0
    final = data_dir / "downloads" / ds.NOTMNIST_ARCHIVE_NAME
    tiny = tmp_path / "ten-images.tar.gz"
    offline = ds.load_offline_letters()
    ds.write_notmnist_archive(offline.images[:10], offline.labels[:10], tiny)  # all A: not the class's data
    capsys.readouterr()
    assert main(["data", "import", str(tiny)]) == 2
    assert capsys.readouterr().err.endswith(  # after the progress line
        "\nerror: ten-images.tar.gz looks like notMNIST but has no images for the letters B, C, D, E, F, G, H, I, J.\n"
    )
    assert final.read_bytes() == archive.read_bytes()
    assert [p.name for p in final.parent.iterdir()] == [final.name]


@pytest.fixture
def server(archive: Path) -> Iterator[str]:
    routes = {"/notMNIST_small.tar.gz": archive.read_bytes(), "/page.html": b"<html>log in</html>"}

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            body = routes.get(self.path)
            self.send_response(200 if body is not None else 404)
            body = body if body is not None else b"missing"
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args) -> None:
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_download_checks_then_puts_in_place(server: str, archive: Path, data_dir: Path, capsys) -> None:
    assert main(["data", "download", "--url", f"{server}/notMNIST_small.tar.gz"]) == 0
    final = data_dir / "downloads" / ds.NOTMNIST_ARCHIVE_NAME
    assert final.read_bytes() == archive.read_bytes()
    assert capsys.readouterr().out.startswith("imported 20 images")
    dataset = ds.load_notmnist(final)
    np.testing.assert_array_equal(dataset.class_counts(), [2] * 10)


def test_failed_download_puts_nothing_in_place(server: str, data_dir: Path, capsys) -> None:
    assert main(["data", "download", "--url", f"{server}/page.html"]) == 2
    assert capsys.readouterr().err.endswith("error: 127.0.0.1 did not send a .tar.gz archive (perhaps a login or "
                                            "error page).\n")
    assert ds.find_notmnist(data_dir) is None


def test_train_command_line_is_unchanged() -> None:
    args = _parser().parse_args(["train", "--dataset", "notmnist", "--epochs", "3", "--json"])
    assert (args.command, args.dataset, args.epochs, args.json, args.device) == ("train", "notmnist", 3, True, "auto")
    with pytest.raises(SystemExit):
        _parser().parse_args(["data"])  # a data command needs import or download
