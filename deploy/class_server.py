"""Start the dashboard for a class on one machine: N replicas behind nginx, one class database.

    python -m deploy.class_server --replicas 3 --port 8080 --database-url postgresql://class@127.0.0.1/class

Every replica is ``streamlit run app.py`` on a loopback port with the same cookie secret (so a
form token one replica issued is accepted by another) and the same class database (PostgreSQL by
URL, or the SQLite file in ``data/`` that processes on one machine share). nginx, rendered from
``deploy/nginx.conf.template``, listens on ``--host:--port``, keeps each browser on one replica and
passes websockets through. Ctrl-C stops everything. Each replica keeps its own training queue
(``concurrent_runs`` per replica).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from nnlib.classroom.storage import DATABASE_URL_VARIABLE

PROJECT_ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = Path(__file__).with_name("nginx.conf.template")
COOKIE_SECRET_VARIABLE = "STREAMLIT_SERVER_COOKIE_SECRET"


@dataclass(frozen=True)
class ClassServer:
    url: str  # what students open (through nginx)
    replica_urls: tuple[str, ...]  # each replica directly (for checks)
    cookie_secret: str


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def render_nginx_conf(replica_ports: list[int], host: str, port: int, run_dir: Path) -> str:
    servers = "\n".join(f"        server 127.0.0.1:{p} max_fails=0;" for p in replica_ports)
    text = TEMPLATE.read_text(encoding="utf-8")
    for name, value in {"UPSTREAM_SERVERS": servers, "HOST": host, "PORT": str(port), "RUN_DIR": str(run_dir)}.items():
        text = text.replace(f"@@{name}@@", value)
    return text


def wait_healthy(url: str, process: subprocess.Popen, timeout_s: float = 120.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{url} exited with code {process.returncode} before it was ready")
        with contextlib.suppress(OSError):
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as reply:
                if reply.status == 200:
                    return
        time.sleep(0.3)
    raise RuntimeError(f"{url} did not become healthy within {timeout_s:.0f} s")


def start_replica(port: int, env: Mapping[str, str]) -> subprocess.Popen:
    command = [
        sys.executable, "-m", "streamlit", "run", str(PROJECT_ROOT / "app.py"),
        "--server.headless", "true", "--server.address", "127.0.0.1", "--server.port", str(port),
        "--browser.gatherUsageStats", "false",
    ]
    return subprocess.Popen(command, cwd=PROJECT_ROOT, env=dict(env), stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


@contextlib.contextmanager
def running_class_server(
    replicas: int = 2, host: str = "127.0.0.1", port: int | None = None, database_url: str | None = None,
    cookie_secret: str | None = None, extra_env: Mapping[str, str] | None = None,
) -> Iterator[ClassServer]:
    """Replicas and nginx, started and healthy; everything stopped when the block ends."""
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    if not Path(nginx).exists():
        raise RuntimeError("nginx is not installed: apt-get install nginx")
    secret = cookie_secret or os.environ.get(COOKIE_SECRET_VARIABLE) or secrets.token_urlsafe(32)
    env = {**os.environ, **(extra_env or {}), COOKIE_SECRET_VARIABLE: secret}
    if database_url:
        env[DATABASE_URL_VARIABLE] = database_url
    run_dir = Path(tempfile.mkdtemp(prefix="nnlib-class-"))
    ports = [free_port() for _ in range(replicas)]
    port = port or free_port()
    started: list[subprocess.Popen] = []
    try:
        for replica_port in ports:
            started.append(start_replica(replica_port, env))
        replica_urls = tuple(f"http://127.0.0.1:{p}" for p in ports)
        for url, process in zip(replica_urls, started, strict=True):
            wait_healthy(url, process)
        conf = run_dir / "nginx.conf"
        conf.write_text(render_nginx_conf(ports, host, port, run_dir), encoding="utf-8")
        proxy = subprocess.Popen([nginx, "-c", str(conf), "-p", str(run_dir), "-g", "daemon off;"],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
        started.append(proxy)
        shown_host = "127.0.0.1" if host in ("0.0.0.0", "") else host
        wait_healthy(f"http://{shown_host}:{port}", proxy)
        yield ClassServer(f"http://{shown_host}:{port}", replica_urls, secret)
    finally:
        for process in reversed(started):
            _stop(process)
        shutil.rmtree(run_dir, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--replicas", type=int, default=2, help="streamlit processes (default 2)")
    parser.add_argument("--host", default="0.0.0.0", help="where nginx listens (default: every interface)")
    parser.add_argument("--port", type=int, default=8080, help="nginx's port (default 8080)")
    parser.add_argument("--database-url", default=os.environ.get(DATABASE_URL_VARIABLE),
                        help="postgresql://... shared by the replicas (default: the SQLite file in data/)")
    args = parser.parse_args(argv)
    if args.replicas < 1:
        parser.error("--replicas must be at least 1")
    with running_class_server(args.replicas, args.host, args.port, args.database_url) as server:
        print(f"The class opens {server.url} ({args.replicas} replicas: {', '.join(server.replica_urls)}).")
        print("Ctrl-C stops the replicas and nginx.")
        with contextlib.suppress(KeyboardInterrupt):
            signal.pause()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
