"""The command line: `python -m nnlib data import|download` (the instructor puts the class's notMNIST in
place) and `python -m nnlib train` with its own threads and the fast mode."""

from __future__ import annotations

import dataclasses
import http.server
import json
import threading
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import torch

from nnlib import data as ds
from nnlib.__main__ import _parser, main
from nnlib.core.settings import get_settings
from nnlib.training import Trainer, default_config, prepare_split, speed


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


# ------------------------------------------------------------------ train: --threads and --fast


def last_json(capsys) -> dict:
    return json.loads(capsys.readouterr().out.strip().splitlines()[-1])


def test_train_threads_are_the_runs_own_and_leave_the_process_alone(capsys) -> None:
    before = torch.get_num_threads()
    assert main(["train", "--epochs", "3", "--threads", "1", "--device", "cpu", "--json"]) == 0
    summary = last_json(capsys)
    assert torch.get_num_threads() == before  # not torch.set_num_threads for the whole process
    assert (summary["threads"], summary["epochs"], summary["fast"]) == (1, 3, False)
    assert summary["stop_reason"] == "all 3 epochs done"
    config = dataclasses.replace(default_config("iris"), epochs=3, threads=1, device="cpu")
    trainer = Trainer(config, prepare_split(config))
    trainer.run()
    assert summary["test_acc"] == trainer.state["test_acc"] and summary["val_loss"] == trainer.state["val_loss"][-1]
    assert main(["train", "--threads", "-1"]) == 2
    assert "Threads must be a whole number from 0 (automatic) to 1024, got -1." in capsys.readouterr().err


def test_train_fast_runs_where_the_cpu_has_bf16_and_is_refused_with_the_reason_where_not(monkeypatch, capsys) -> None:
    assert _parser().parse_args(["train"]).fast is False
    monkeypatch.setattr(speed, "cpu_bf16_hardware", lambda: None)
    assert main(["train", "--epochs", "1", "--device", "cpu", "--fast"]) == 2
    assert capsys.readouterr().err.strip() == (
        "error: The fast mode needs a CPU with native bfloat16 arithmetic (AVX-512 BF16 or AMX); this CPU has "
        "neither, and bf16 done in software would be slower than float32.")
    monkeypatch.setattr(speed, "cpu_bf16_hardware", lambda: "AVX-512 BF16")  # correct without it, only slow
    assert main(["train", "--epochs", "2", "--device", "cpu", "--fast", "--threads", "1", "--json"]) == 0
    summary = last_json(capsys)
    assert summary["fast"] is True and summary["epochs"] == 2 and 0 <= summary["test_acc"] <= 1
