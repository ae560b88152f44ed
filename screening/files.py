"""Writing files and folders so that no reader ever sees them half-written.

* A file is written to a hidden temporary file in the same folder (``.NAME.XXXXXXXX.partial``),
  flushed to the disk (fsync) and renamed over the target in one step (``os.replace``).
  On an error the temporary file is removed and the target is left as it was.
* A folder of outputs is filled as a hidden staging folder beside the target
  (``.NAME.partial-XXXXXXXX``) and then renamed in place of it (:func:`publish_folder`).

Temporary names start with a dot, so folder listings that skip hidden entries (the batch
summary, the app's downloads) never pick them up.
"""

from __future__ import annotations

import errno
import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

_WRITE_MODES = ("w", "wb")


def _temporary_beside(path: Path) -> Path:
    return path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.partial")


@contextmanager
def atomic_open(path: str | os.PathLike, mode: str = "w", *, encoding: str | None = None,
                newline: str | None = None) -> Iterator[IO]:
    """Open ``path`` for writing (``mode`` "w" or "wb") through a temporary file that
    replaces ``path`` when the block ends without an error."""
    if mode not in _WRITE_MODES:
        raise ValueError(f"atomic_open: mode must be one of {_WRITE_MODES}, got {mode!r}")
    path = Path(path)
    tmp = _temporary_beside(path)
    try:
        with open(tmp, mode, encoding=encoding, newline=newline) as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def write_bytes_atomic(path: str | os.PathLike, data: bytes) -> Path:
    """Write ``data`` to ``path`` in one step; returns the path."""
    with atomic_open(path, "wb") as f:
        f.write(data)
    return Path(path)


def write_text_atomic(path: str | os.PathLike, text: str, *, encoding: str = "utf-8") -> Path:
    """Write ``text`` to ``path`` in one step; returns the path."""
    with atomic_open(path, "w", encoding=encoding) as f:
        f.write(text)
    return Path(path)


@contextmanager
def staged_folder(final: str | os.PathLike) -> Iterator[Path]:
    """A new hidden folder beside ``final`` to fill; when the block ends without an error
    it replaces ``final`` (:func:`publish_folder`), otherwise it is removed."""
    final = Path(final)
    final.parent.mkdir(parents=True, exist_ok=True)
    stage = final.parent / f".{final.name}.partial-{uuid.uuid4().hex[:8]}"
    stage.mkdir()
    try:
        yield stage
        publish_folder(stage, final)
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise


def publish_folder(stage: Path, final: Path) -> None:
    """Put the complete folder ``stage`` in place of ``final``.

    A rename of a folder is atomic, and it fails when the target is a folder that is not
    empty, so ``final`` is always one complete folder, never a mix of two. Two writers of
    the same folder (a retried task whose first worker was only presumed dead) may race
    here: each moves the other's folder aside (``.NAME.old-XXXXXXXX``) and tries again, and
    the last one wins.
    """
    moved_aside: list[Path] = []
    try:
        for _ in range(10):
            try:
                os.replace(stage, final)
                return
            except OSError as exc:
                if exc.errno not in (errno.ENOTEMPTY, errno.EEXIST):
                    raise
            old = final.parent / f".{final.name}.old-{uuid.uuid4().hex[:8]}"
            try:
                os.replace(final, old)
                moved_aside.append(old)
            except FileNotFoundError:  # the other writer moved it away first
                pass
        raise OSError(errno.EBUSY, f"{final} kept being replaced by another writer")
    finally:
        for old in moved_aside:
            shutil.rmtree(old, ignore_errors=True)
