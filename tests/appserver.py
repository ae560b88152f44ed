"""The Streamlit app on loopback, for the browser tests: one way to start and stop it."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def app_server(work: Path, *, env: dict[str, str], start_timeout_s: float) -> Iterator[dict]:
    """Run ``streamlit run app.py`` on 127.0.0.1 and a free port, with its data folder in
    ``work`` (never the user's records) and ``env`` added; yields ``{url, work, log}``.
    Fails the test with the server log when the server exits or does not answer in
    ``start_timeout_s``; stops the server at the end."""
    port = free_port()
    full_env = dict(os.environ, PELVIC_SCREEN_DATA_DIR=str(work / "data"),
                    STREAMLIT_BROWSER_GATHER_USAGE_STATS="false", **env)
    full_env.pop("PELVIC_SCREEN_DATABASE_URL", None)   # SQLite in the temporary data folder
    log_path = work / "server.log"
    log = log_path.open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"),
         "--server.address", "127.0.0.1", "--server.port", str(port),
         "--server.headless", "true", "--server.fileWatcherType", "none"],
        cwd=ROOT, env=full_env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + start_timeout_s
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    break
            except OSError:
                if proc.poll() is not None:
                    pytest.fail(f"the app server exited: {log_path.read_text()}")
                time.sleep(0.3)
        else:
            pytest.fail(f"the app server did not start within {start_timeout_s:g} s")
        yield {"url": f"http://127.0.0.1:{port}", "work": work, "log": log_path}
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()
