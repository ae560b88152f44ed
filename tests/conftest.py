from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
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
