"""The dataset widgets: real, offline or own upload, download, upload, and the explorer, through AppTest."""

from __future__ import annotations

import http.server
import io
import json
import socket
import tarfile
import threading
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from PIL import Image

from nnlib import data as datasets
from nnlib.core.settings import get_settings
from tests.app.conftest import app_test

SCRIPT = "tests/app/scripts/explorer_demo.py"


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch) -> Iterator[Path]:
    """An empty data folder for the app (the repository's data/ is left alone)."""
    folder = tmp_path / "data"
    folder.mkdir()
    monkeypatch.setenv("NNLIB_DATA_DIR", str(folder))
    get_settings.cache_clear()
    yield folder
    get_settings.cache_clear()


@pytest.fixture(scope="module")
def archive_bytes(tmp_path_factory) -> bytes:
    """A small notMNIST-layout archive: 2 offline images per letter and one empty file."""
    offline = datasets.load_offline_letters()
    index = datasets.sample_indices(offline, 2, seed=5)
    path = tmp_path_factory.mktemp("archive") / "small.tar.gz"
    with tarfile.open(path, "w:gz") as archive:
        for number, (image, label) in enumerate(zip(offline.images[index], offline.labels[index], strict=True)):
            png = io.BytesIO()
            Image.fromarray(image).save(png, format="PNG")
            member = tarfile.TarInfo(f"notMNIST_small/{datasets.LETTERS[label]}/f{number}.png")
            member.size = png.tell()
            png.seek(0)
            archive.addfile(member, png)
        empty = tarfile.TarInfo("notMNIST_small/A/empty.png")
        archive.addfile(empty, io.BytesIO(b""))
    return path.read_bytes()


def run_app():
    app = app_test(SCRIPT)
    app.run()
    assert not app.exception
    return app


def chosen(app) -> str:
    return next(m.value for m in app.markdown if m.value.startswith("chosen:"))


def captions(app) -> str:
    return "\n".join(c.value for c in app.caption)


def test_offline_letters_by_default(data_dir: Path) -> None:
    app = run_app()
    assert app.radio(key="letters_source").value == "offline"
    assert chosen(app) == "chosen: offline_letters (10000)"
    assert "not the real notMNIST" in captions(app)
    assert "Balanced: A 1,000, B 1,000" in captions(app)
    assert [m.value for m in app.metric] == ["10,000", "10", "28×28"]
    # Ten letter columns with their labels above the sample images.
    letters = [m.value for m in app.markdown if m.value.startswith("**")]
    assert letters == [f"**{letter}**" for letter in "ABCDEFGHIJ"]
    assert app.button(key="letters_download").label == "Download notMNIST_small"


def test_real_notmnist_is_preferred_when_present(data_dir: Path, archive_bytes: bytes) -> None:
    (data_dir / "downloads").mkdir()
    (data_dir / "downloads" / datasets.NOTMNIST_ARCHIVE_NAME).write_bytes(archive_bytes)
    app = run_app()
    assert app.radio(key="letters_source").value == "real"
    assert chosen(app) == "chosen: notmnist (20)"
    assert "20 images from `notMNIST_small.tar.gz`; 1 file did not decode and was skipped" in captions(app)
    # The student can still pick the offline letters.
    app.radio(key="letters_source").set_value("offline").run()
    assert chosen(app) == "chosen: offline_letters (10000)"


def image_captions(app) -> list[str]:
    return [image.proto.imgs[0].caption for image in app.get("image")]


def test_samples_are_drawn_per_letter_and_can_be_reshuffled(data_dir: Path) -> None:
    app = run_app()
    offline = datasets.load_offline_letters()
    before = image_captions(app)
    expected = [f"#{i}" for i in datasets.sample_indices(offline, 3, seed=0)]
    assert sorted(before) == sorted(expected)  # 3 images of each of the 10 letters
    assert all(image.proto.imgs[0].url.endswith(".png") for image in app.get("image"))  # no JPEG blur
    app.button(key="explorer_resample").click().run()
    after = image_captions(app)
    assert sorted(after) == sorted(f"#{i}" for i in datasets.sample_indices(offline, 3, seed=1))
    assert after != before


def test_download_without_network_says_so(data_dir: Path, monkeypatch) -> None:
    with socket.socket() as probe:  # a closed loopback port: refused, as with no network
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setattr(datasets, "NOTMNIST_URL", f"http://127.0.0.1:{port}/notMNIST_small.tar.gz")
    app = run_app()
    app.button(key="letters_download").click().run()
    assert not app.exception
    assert len(app.error) == 1
    assert app.error[0].value.startswith("Could not reach 127.0.0.1 to download notMNIST (no network?)")
    assert chosen(app) == "chosen: offline_letters (10000)"
    assert not (data_dir / "downloads").exists() or list((data_dir / "downloads").iterdir()) == []


@pytest.fixture
def archive_server(archive_bytes: bytes) -> Iterator[str]:
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            self.send_response(200)
            self.send_header("Content-Length", str(len(archive_bytes)))
            self.end_headers()
            self.wfile.write(archive_bytes)

        def log_message(self, *args) -> None:
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/notMNIST_small.tar.gz"
    httpd.shutdown()
    httpd.server_close()


def test_download_switches_to_the_real_data(data_dir: Path, archive_server: str, monkeypatch) -> None:
    monkeypatch.setattr(datasets, "NOTMNIST_URL", archive_server)
    app = run_app()
    app.button(key="letters_download").click().run()
    assert not app.exception and not app.error
    assert app.radio(key="letters_source").value == "real"
    assert chosen(app) == "chosen: notmnist (20)"
    assert (data_dir / "downloads" / datasets.NOTMNIST_ARCHIVE_NAME).exists()


def test_upload_too_big_is_refused(data_dir: Path, monkeypatch) -> None:
    monkeypatch.setenv("NNLIB_MAX_UPLOAD_MB", "1")
    get_settings.cache_clear()
    app = run_app()
    app.file_uploader(key="letters_upload").set_value(
        ("notMNIST_small.tar.gz", b"\x1f\x8b" + b"0" * (2 * datasets.MEGABYTE), "application/gzip")
    ).run()
    assert not app.exception
    assert [e.value for e in app.error] == ["notMNIST_small.tar.gz is 2.0 MB; uploads are limited to 1 MB."]
    assert chosen(app) == "chosen: offline_letters (10000)"
    assert list(data_dir.iterdir()) == []


def test_upload_of_a_damaged_archive_is_refused_once(data_dir: Path, archive_bytes: bytes, monkeypatch) -> None:
    calls = []
    real_loader = datasets.load_notmnist_upload
    monkeypatch.setattr(datasets, "load_notmnist_upload", lambda *a, **k: calls.append(1) or real_loader(*a, **k))
    app = run_app()
    half = archive_bytes[: len(archive_bytes) // 2]
    app.file_uploader(key="letters_upload").set_value(("my letters.tar.gz", half, "application/gzip")).run()
    assert not app.exception
    # The student's own file is named, never a temporary file of the server.
    assert [e.value for e in app.error] == [
        "my letters.tar.gz is damaged or incomplete: it ends before the archive does. Download or copy it again."
    ]
    assert chosen(app) == "chosen: offline_letters (10000)"
    app.run()  # the same file still in the box: the reason is shown again, the file is not read again
    assert [e.value for e in app.error][0].startswith("my letters.tar.gz is damaged")
    assert len(calls) == 1
    assert list(data_dir.iterdir()) == []


def test_upload_is_kept_in_that_session_only(data_dir: Path, archive_bytes: bytes) -> None:
    app = run_app()
    app.file_uploader(key="letters_upload").set_value(
        ("C:\\Users\\kim\\my letters.tar.gz", archive_bytes, "application/gzip")
    ).run()
    assert not app.exception and not app.error
    source = app.radio(key="letters_source")
    assert source.value == "upload"
    assert source.options[-1] == "Your upload: my letters.tar.gz"
    assert chosen(app) == "chosen: notmnist (20)"
    assert "notMNIST (your upload): 20 images from my letters.tar.gz, kept in your session only; 1 file did " \
           "not decode and was skipped" in captions(app)
    assert "Balanced: A 2, B 2" in captions(app)
    assert list(data_dir.iterdir()) == []  # nothing written: no archive, no cache
    assert not datasets.real_letters_available()

    # The student can switch away and back within the session.
    app.radio(key="letters_source").set_value("offline").run()
    assert chosen(app) == "chosen: offline_letters (10000)"
    app.radio(key="letters_source").set_value("upload").run()
    assert chosen(app) == "chosen: notmnist (20)"

    # Another student, at the same time, on the same server: no trace of it.
    other = run_app()
    assert other.radio(key="letters_source").options == [
        "notMNIST_small (the real one)", "Offline letters (bundled, rendered from open fonts)"
    ]
    assert chosen(other) == "chosen: offline_letters (10000)"
    assert "my letters" not in "\n".join(str(e.value) for e in [*other.caption, *other.markdown])


def test_uploads_can_be_turned_off(data_dir: Path, monkeypatch) -> None:
    monkeypatch.setenv("NNLIB_ALLOW_UPLOADS", "false")
    get_settings.cache_clear()
    app = run_app()
    assert not app.get("file_uploader")
    assert "Uploads are off on this server: ask your instructor for the class's notMNIST_small." in captions(app)
    assert app.button(key="letters_download").label == "Download notMNIST_small"  # a student working alone


def test_no_download_button_while_the_class_copy_is_in_place(data_dir: Path, archive_bytes: bytes) -> None:
    (data_dir / "downloads").mkdir()
    (data_dir / "downloads" / datasets.NOTMNIST_ARCHIVE_NAME).write_bytes(archive_bytes)
    app = run_app()
    app.radio(key="letters_source").set_value("offline").run()  # the panel with the download button
    assert not app.exception
    assert "letters_download" not in [button.key for button in app.button]
    assert "The class's notMNIST_small is already on this server: choose it above." in captions(app)
    assert app.file_uploader(key="letters_upload") is not None  # a student may still try their own


def test_extracted_folder_dropped_by_hand_is_used(data_dir: Path, archive_bytes: bytes, tmp_path: Path) -> None:
    archive = tmp_path / "a.tar.gz"
    archive.write_bytes(archive_bytes)
    with tarfile.open(archive) as opened:
        opened.extractall(data_dir, filter="data")
    assert (data_dir / "notMNIST_small" / "J").is_dir()
    app = run_app()
    assert app.radio(key="letters_source").value == "real"
    assert chosen(app) == "chosen: notmnist (20)"
    assert "20 images from `notMNIST_small`; 1 file did not decode and was skipped" in captions(app)


def test_broken_archive_dropped_by_hand_falls_back_to_offline(data_dir: Path, archive_bytes: bytes) -> None:
    (data_dir / datasets.NOTMNIST_ARCHIVE_NAME).write_bytes(archive_bytes[: len(archive_bytes) // 2])
    app = run_app()
    assert app.radio(key="letters_source").value == "real"
    assert [e.value for e in app.error] == [
        "notMNIST_small.tar.gz is damaged or incomplete: it ends before the archive does. "
        "Download or copy it again."
    ]
    assert [i.value for i in app.info] == ["Using the offline letters until the real notMNIST can be read."]
    assert chosen(app) == "chosen: offline_letters (10000)"


def test_iris_explorer(data_dir: Path) -> None:
    app = run_app()
    app.radio(key="demo_which").set_value("iris").run()
    assert not app.exception
    assert chosen(app) == "chosen: iris (150)"
    assert [m.value for m in app.metric] == ["150", "3", "4"]
    assert "Balanced: setosa 50, versicolor 50, virginica 50" in captions(app)
    first_rows = app.dataframe[0].value
    assert list(first_rows.columns) == [*datasets.IRIS_FEATURE_NAMES, "class"]
    np.testing.assert_allclose(first_rows.iloc[0, :4].to_numpy(dtype=float), [5.1, 3.5, 1.4, 0.2], rtol=1e-6)


def sent_chart(app, index: int = 0) -> tuple[dict, dict[str, pd.DataFrame]]:
    """A Vega-Lite chart as the page sent it: its spec, and its data sets (sent as Arrow) by name."""
    chart = app.get("vega_lite_chart")[index].proto
    frames = {named.name: pa.ipc.open_stream(named.data.data).read_all().to_pandas() for named in chart.datasets}
    return json.loads(chart.spec), frames


def test_iris_pair_plot_has_a_histogram_per_species_on_its_diagonal(data_dir: Path) -> None:
    app = run_app()
    app.radio(key="demo_which").set_value("iris").run()
    assert not app.exception
    iris = datasets.load_iris()
    names = list(datasets.IRIS_FEATURE_NAMES)
    spec, frames = sent_chart(app)
    assert len(spec["vconcat"]) == 4
    for row, cells in enumerate(spec["vconcat"]):
        assert len(cells["hconcat"]) == 4
        for column, cell in enumerate(cells["hconcat"]):
            encoding = cell["encoding"]
            assert encoding["color"]["field"] == "class"
            if row != column:  # a feature against another: one dot per flower
                assert cell["mark"]["type"] == "circle"
                assert (encoding["x"]["field"], encoding["y"]["field"]) == (names[column], names[row])
                assert len(frames[cell["data"]["name"]]) == 150
                continue
            # The diagonal: per species, how many flowers fall in each of 12 equal bins of that feature.
            assert cell["mark"]["type"] == "bar"
            assert cell["title"]["text"] == names[column]
            assert (encoding["x"]["field"], encoding["x2"]["field"], encoding["y"]["field"]) == (
                "start", "end", "samples")
            assert encoding["y"]["stack"] is None  # overlaid: each species keeps its own shape
            assert encoding["y2"] == {"datum": 0}  # bars stand on zero
            bars = frames[cell["data"]["name"]]
            edges = np.histogram_bin_edges(iris.features[:, column].astype(np.float64), bins=12)
            for label, species in enumerate(iris.classes):
                mine = bars[bars["class"] == species]
                expected, _ = np.histogram(iris.features[iris.labels == label, column], bins=edges)
                assert mine["samples"].tolist() == expected.tolist()
                np.testing.assert_allclose(mine["start"], edges[:-1])
                assert mine["samples"].sum() == 50
    # Petal length: every setosa under 2 cm (24 up to 1.49 cm, 26 up to 1.98 cm), virginica from 4.44 cm on.
    petal = frames[spec["vconcat"][2]["hconcat"][2]["data"]["name"]]
    setosa = petal[(petal["class"] == "setosa") & (petal["samples"] > 0)]
    assert setosa["samples"].tolist() == [24, 26]
    assert setosa["end"].max() == pytest.approx(1.98333, abs=1e-4)
    virginica = petal[(petal["class"] == "virginica") & (petal["samples"] > 0)]
    assert virginica["samples"].tolist() == [6, 16, 17, 7, 4]
    assert virginica["start"].min() == pytest.approx(4.44167, abs=1e-4)
