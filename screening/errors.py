"""The project's exceptions: each says what failed, why, and how to fix it.

Every error carries a stable ``code`` (scripts and the app match on it), a one-line
``message`` and a ``hint``. The CLI prints them as one line; ``result.json`` stores them.
"""

from __future__ import annotations


class ScreeningError(Exception):
    """Base class. ``code`` is stable; ``message`` and ``hint`` are for people."""

    code = "error"

    def __init__(self, message: str, hint: str = "", *, code: str | None = None,
                 details: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.details = details  # e.g. the traceback of an internal error, for bug reports
        if code is not None:
            self.code = code

    def to_dict(self) -> dict[str, str]:
        doc = {"code": self.code, "message": self.message, "hint": self.hint}
        if self.details:
            doc["details"] = self.details
        return doc

    def one_line(self) -> str:
        return f"{self.message} Hint: {self.hint}" if self.hint else self.message


class InputError(ScreeningError):
    """The file cannot be read as a video (missing, empty, corrupt, an image, bad codec...)."""

    code = "bad_input"


class RecordingError(ScreeningError):
    """The video plays, but the recording cannot be measured (no person, too dark, side view...)."""

    code = "bad_recording"


class ModelError(ScreeningError):
    """The pose model is missing, corrupt or cannot be built."""

    code = "model"


class ClusterError(ScreeningError):
    """The Dask cluster cannot be used: the ``cluster`` extra is missing, the address is
    wrong, or the scheduler cannot be reached. Nothing was analysed."""

    code = "cluster"


class ConfigError(ScreeningError):
    """A settings file or flag is unusable: unknown table or key, wrong type, value out of
    range, or a setting that cannot change here. Says which, where, and what is accepted."""

    code = "bad_config"
