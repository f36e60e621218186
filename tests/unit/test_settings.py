from __future__ import annotations

from pathlib import Path

import pytest

from nnlib.core.errors import InputError
from nnlib.core.settings import Settings, load_settings


def test_defaults_without_file_or_environment(tmp_path: Path) -> None:
    settings = load_settings(environ={}, config_file=tmp_path / "absent.toml")
    assert settings == Settings()


def test_environment_overrides_file(tmp_path: Path) -> None:
    config = tmp_path / "dashboard.toml"
    config.write_text("max_epochs = 50\nconcurrent_runs = 4\n")
    settings = load_settings(environ={"NNLIB_MAX_EPOCHS": "20"}, config_file=config)
    assert settings.max_epochs == 20
    assert settings.concurrent_runs == 4


def test_bad_values_are_explained(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="must be int"):
        load_settings(environ={"NNLIB_MAX_EPOCHS": "lots"}, config_file=tmp_path / "x.toml")
    with pytest.raises(InputError, match="at least 1"):
        load_settings(environ={"NNLIB_CONCURRENT_RUNS": "0"}, config_file=tmp_path / "x.toml")
    with pytest.raises(InputError, match="at least 0"):
        load_settings(environ={"NNLIB_THREADS_PER_RUN": "-1"}, config_file=tmp_path / "x.toml")
    assert load_settings(environ={"NNLIB_THREADS_PER_RUN": "0"}, config_file=tmp_path / "x.toml").threads_per_run == 0
    config = tmp_path / "dashboard.toml"
    config.write_text("max_epoch = 5\n")
    with pytest.raises(InputError, match="Unknown setting 'max_epoch'"):
        load_settings(environ={}, config_file=config)


def test_switches_read_words_and_refuse_others(tmp_path: Path) -> None:
    absent = tmp_path / "absent.toml"
    assert load_settings(environ={"NNLIB_ALLOW_UPLOADS": "off"}, config_file=absent).allow_uploads is False
    assert load_settings(environ={"NNLIB_ALLOW_UPLOADS": "Yes"}, config_file=absent).allow_uploads is True
    config = tmp_path / "dashboard.toml"
    config.write_text("allow_uploads = false\nmax_run_seconds = 600\n")
    settings = load_settings(environ={}, config_file=config)
    assert (settings.allow_uploads, settings.max_run_seconds) == (False, 600)
    with pytest.raises(InputError, match="must be bool"):
        load_settings(environ={"NNLIB_ALLOW_UPLOADS": "maybe"}, config_file=absent)
    config.write_text("max_epochs = true\n")
    with pytest.raises(InputError, match="must be int"):
        load_settings(environ={}, config_file=config)


def test_large_caps_can_be_written_in_scientific_notation(tmp_path: Path) -> None:
    config = tmp_path / "dashboard.toml"
    config.write_text("max_run_work = 2e12\n")
    assert load_settings(environ={}, config_file=config).max_run_work == 2_000_000_000_000
    absent = tmp_path / "absent.toml"
    assert load_settings(environ={"NNLIB_MAX_RUN_WORK": "3e12"}, config_file=absent).max_run_work == 3 * 10**12
    with pytest.raises(InputError, match="must be int"):
        load_settings(environ={"NNLIB_MAX_EPOCHS": "2.5"}, config_file=absent)
