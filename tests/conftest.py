from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# the shared material sits beside the project's root; a checkout elsewhere (a second
# working tree) names it with PELVIC_SCREEN_SHARED_DIR
SHARED = Path(os.environ.get("PELVIC_SCREEN_SHARED_DIR") or ROOT.parent / "shared")
DEV = SHARED / "synthetic" / "dev"
REAL = SHARED / "real"
SAMPLES = ROOT / "sample_videos"

sys.path.insert(0, str(Path(__file__).resolve().parent))


@pytest.fixture(scope="session")
def shared_dev() -> Path:
    if not DEV.is_dir():
        pytest.skip(f"ground-truth clips not available ({DEV} is absent)")
    return DEV


@pytest.fixture(scope="session")
def shared_real() -> Path:
    if not REAL.is_dir():
        pytest.skip(f"real-person clips not available ({REAL} is absent)")
    return REAL


@pytest.fixture(scope="session")
def model_info():
    """The built-in pose model (built once by `pelvic-screen model --install`)."""
    from screening.pose.model import resolve_model

    return resolve_model()


@pytest.fixture(scope="session")
def postgres_server():
    """A throwaway PostgreSQL server (tests/pgserver.py); skipped without a server binary
    unless PELVIC_SCREEN_REQUIRE_POSTGRES=1."""
    from pgserver import Server

    server = Server()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path, monkeypatch):
    """A fresh, empty records database: a SQLite file, or a database on the PostgreSQL test
    server. Open records are forgotten afterwards; the user's data folder is never used."""
    from screening.records import close_all

    monkeypatch.setenv("PELVIC_SCREEN_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("PELVIC_SCREEN_DATABASE_URL", raising=False)

    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'records.sqlite'}"
    else:
        url = request.getfixturevalue("postgres_server").create_database()
    yield url
    close_all()
