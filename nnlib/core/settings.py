"""Instructor settings: every cap and server-wide limit, in one place.

Values come, in increasing priority, from the defaults below, a TOML file
(``dashboard.toml`` beside ``app.py``, or the path in ``NNLIB_CONFIG``), and
environment variables named ``NNLIB_<FIELD>`` in upper case, for example
``NNLIB_MAX_EPOCHS=50``. Read once per process with :func:`get_settings`.
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
from dataclasses import dataclass, fields
from functools import lru_cache
from pathlib import Path

from nnlib.core.errors import InputError

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_CONFIG_FILE = PROJECT_ROOT / "dashboard.toml"


@dataclass(frozen=True)
class Settings:
    # Typed input
    max_text_chars: int = 20_000
    max_tensor_elements: int = 10_000
    max_tensor_dims: int = 6
    # Network builder
    max_layers: int = 32
    max_units: int = 4096
    max_params: int = 20_000_000  # ~80 MB of float32 weights per student's network
    # Optimizer paths on the optimizers page
    max_optimizer_steps: int = 2000
    # Training
    max_epochs: int = 500
    concurrent_runs: int = max(1, os.cpu_count() or 1)
    threads_per_run: int = 0  # 0: the cores shared equally among the runs training now
    # Fair use of a shared server, per student (a student = one browser)
    runs_per_student: int = 1  # runs in progress at once (queued, training or paused); a Race is one
    max_run_seconds: int = 3600  # training time of one run (queue and pauses not counted)
    # epochs x parameters x (training samples + batches): about the multiply-adds of a run
    max_run_work: int = 20_000_000_000_000
    idle_pause_seconds: int = 120  # a run whose student has not been seen this long is paused
    idle_stop_seconds: int = 600  # ... and stopped after this long (its results are kept)
    pause_limit_seconds: int = 1800  # a paused run is stopped after this long
    keep_results_seconds: int = 3600  # an ended run of a student not seen this long is dropped
    heartbeat_seconds: int = 30  # how often an open tab says "still here" while its student's run lives
    # Uploads
    allow_uploads: bool = True  # students may upload their own archive (kept in their session only)
    max_upload_mb: int = 200
    max_archive_members: int = 100_000  # entries in one notMNIST archive (the real one has 18,734)
    max_archive_mb: int = 1024  # bytes an archive may unpack to, counted while streaming
    # Where downloaded and cached data lives
    data_dir: str = str(PROJECT_ROOT / "data")

    def replace(self, **changes: object) -> Settings:
        return dataclasses.replace(self, **changes)


_ZERO_ALLOWED = {"threads_per_run"}
_TRUE_WORDS = {"1", "true", "yes", "on"}
_FALSE_WORDS = {"0", "false", "no", "off"}


def _to_bool(raw: object) -> bool:
    if isinstance(raw, bool):
        return raw
    word = str(raw).strip().lower()
    if word in _TRUE_WORDS | _FALSE_WORDS:
        return word in _TRUE_WORDS
    raise ValueError(raw)


def _to_int(raw: object) -> int:
    """Whole numbers, also written as 2e12 or 2_000 (large caps read better that way)."""
    try:
        return int(raw)
    except (TypeError, ValueError):
        number = float(str(raw).replace("_", ""))
        if not number.is_integer():
            raise ValueError(raw) from None
        return int(number)


def _coerce(name: str, raw: object, kind: type) -> object:
    try:
        if kind is bool:
            return _to_bool(raw)
        if kind is int and isinstance(raw, bool):
            raise TypeError(raw)
        value = _to_int(raw) if kind is int else kind(raw)
    except (TypeError, ValueError):
        raise InputError("settings.wrong_type", setting=name, kind=kind.__name__, value=raw) from None
    lowest = 0 if name in _ZERO_ALLOWED else 1
    if kind is int and value < lowest:
        raise InputError("settings.too_small", setting=name, minimum=lowest, value=value)
    return value


def load_settings(environ: dict[str, str] | None = None, config_file: Path | None = None) -> Settings:
    """Build settings from defaults, the TOML file and the environment."""
    environ = dict(os.environ if environ is None else environ)
    path = Path(config_file or environ.get("NNLIB_CONFIG") or DEFAULT_CONFIG_FILE)
    values: dict[str, object] = {}
    known = {f.name: f for f in fields(Settings)}
    if path.is_file():
        with path.open("rb") as handle:
            table = tomllib.load(handle)
        for key, raw in table.items():
            if key not in known:
                raise InputError("settings.unknown", setting=key, file=path.name)
            values[key] = raw
    for name in known:
        env_name = f"NNLIB_{name.upper()}"
        if env_name in environ:
            values[name] = environ[env_name]
    kinds = {"int": int, "str": str, "bool": bool}
    coerced = {
        name: _coerce(name, raw, kinds[str(known[name].type)]) for name, raw in values.items()
    }
    return Settings(**coerced)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings (read once; tests call ``get_settings.cache_clear()``)."""
    return load_settings()
