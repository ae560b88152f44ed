"""Files the pages handle: uploads (names, size limit), the temporary folder of a browser
session, and a result folder as one zip."""

from __future__ import annotations

import inspect
import io
import tempfile
import zipfile
from pathlib import Path

import streamlit as st

from screening.video import VIDEO_EXTENSIONS

UPLOAD_TYPES = sorted(ext.lstrip(".") for ext in VIDEO_EXTENSIONS)


def zip_folder(folder: Path) -> bytes:
    """Every file under ``folder`` (hidden staging files left out) as one zip."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for f in sorted(folder.rglob("*")):
            rel = f.relative_to(folder)
            if f.is_file() and not any(part.startswith(".") for part in rel.parts):
                z.write(f, rel.as_posix())
    return buf.getvalue()


def safe_name(name: str) -> str:
    """A file name from an upload, without folders or odd characters."""
    base = Path(name).name
    cleaned = "".join(c if c.isalnum() or c in "-_." else "_" for c in base).lstrip(".")
    return cleaned or "video.mp4"


def new_workdir(key: str) -> Path:
    """A fresh temporary folder for this browser session, replacing (and deleting) the
    previous one under the same key."""
    old = st.session_state.get(key)
    if old is not None:
        old.cleanup()
    tmp = tempfile.TemporaryDirectory(prefix="pelvic-screen-")
    st.session_state[key] = tmp
    return Path(tmp.name)


def file_uploader(label: str, *, max_mb: int, **kwargs):
    """``st.file_uploader`` with our size limit where this Streamlit supports one per widget
    (the app checks the size itself as well)."""
    if "max_upload_size" in inspect.signature(st.file_uploader).parameters:
        kwargs["max_upload_size"] = max_mb
    return st.file_uploader(label, **kwargs)


def save_uploads(files, folder: Path) -> list[Path]:
    """Write uploaded files into ``folder`` under safe, distinct names (``run.mp4``,
    ``run-2.mp4``, ...); returns their paths in the order given."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for f in files:
        target = folder / safe_name(f.name)
        stem, n = target.stem, 1
        while target.exists():
            n += 1
            target = folder / f"{stem}-{n}{target.suffix}"
        target.write_bytes(f.getbuffer())
        paths.append(target)
    return paths
