"""Progress reporting, injected by the caller: the library says how far the work is, and the
app, the command line or a script shows it (or not). The library never configures output.

A progress is any callable ``progress(fraction, message)``: ``fraction`` from 0 to 1 of
the whole work, ``message`` a few words on the step under way. A step that is part of a
larger job reports over its own 0..1, and the caller gives it a :func:`sub_range` of its
progress, so no step needs to know where it sits in the whole.
"""

from __future__ import annotations

import sys
from typing import Protocol, TextIO


class Progress(Protocol):
    def __call__(self, fraction: float, message: str) -> None: ...


def _ignore(fraction: float, message: str) -> None:
    pass


def noop() -> Progress:
    """A progress that shows nothing."""
    return _ignore


def sub_range(progress: Progress, start: float, end: float) -> Progress:
    """``progress`` seen from a part of the work that spans ``start``..``end`` of it: the
    part reports 0..1 (clamped) and ``progress`` receives ``start``..``end``."""
    if not 0.0 <= start <= end <= 1.0:
        raise ValueError(f"sub_range: expected 0 <= start <= end <= 1, got {start}, {end}")

    def report(fraction: float, message: str) -> None:
        progress(start + (end - start) * min(max(fraction, 0.0), 1.0), message)

    return report


def printer(stream: TextIO | None = None, *, prefix: str = "") -> Progress:
    """A progress that prints one line per report (``prefix 42% message``) to ``stream``
    (default: standard error, so it never mixes with a script's output)."""
    def report(fraction: float, message: str) -> None:
        print(f"{prefix}{100 * fraction:3.0f}% {message}", file=stream or sys.stderr,
              flush=True)

    return report
