"""pelvic-screen: camera-based screening for pelvic drop in single-leg stance.

The one library call is :func:`analyse_video`; its result folders are read back with
:meth:`ResultBundle.from_dir` (screening.results), and :func:`reanalyse_folder` analyses a
result folder again from its saved landmarks. See README.md and docs/.

The names below are imported on first use, so that ``import screening.cli`` (and
``pelvic-screen --help``) does not load numpy, av, mediapipe and the rest.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

__all__ = ["AnalysisResult", "Config", "ConfigError", "InputError", "ModelError",
           "RecordingError", "Result", "ResultBundle", "ScreeningError", "analyse_video",
           "folder_config", "reanalyse_folder"]
__version__ = "0.1.0"

_HOMES = {"Config": ".config", "ConfigError": ".errors", "InputError": ".errors",
          "ModelError": ".errors", "RecordingError": ".errors", "ScreeningError": ".errors",
          "AnalysisResult": ".pipeline", "analyse_video": ".pipeline",
          "folder_config": ".reanalysis", "reanalyse_folder": ".reanalysis",
          "Result": ".results", "ResultBundle": ".results"}

if TYPE_CHECKING:
    from .config import Config
    from .errors import ConfigError, InputError, ModelError, RecordingError, ScreeningError
    from .pipeline import AnalysisResult, analyse_video
    from .reanalysis import folder_config, reanalyse_folder
    from .results import Result, ResultBundle


def __getattr__(name: str):
    if name in _HOMES:
        value = getattr(importlib.import_module(_HOMES[name], __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
