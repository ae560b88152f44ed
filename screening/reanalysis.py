"""``reanalyse_folder``: the analysis again from a result folder's saved landmarks, without
the video and without the pose model, replacing the folder's outputs in one atomic step.

Everything after the pose pass is the same call as for a video
(:func:`screening.analysis.analyse_landmarks`), so a folder analysed again with its own
settings gives its own result back.
"""

from __future__ import annotations

import datetime as dt
import zipfile
from dataclasses import fields
from pathlib import Path

import numpy as np

from .analysis import analyse_landmarks
from .config import Config, recorded_config
from .errors import ConfigError, InputError, ScreeningError
from .landmarks import LandmarkSeries
from .markers import MarkerSeries
from .markers.series import NPZ_PREFIX
from .outputs import carry_over, write_outputs
from .pipeline import AnalysisResult, internal_error
from .pose.model import ModelInfo
from .report_html import REPORT_HTML, REPORT_PDF, write_reports
from .results import (
    ANNOTATED_MP4,
    LANDMARKS_NPZ,
    RESULT_JSON,
    TIMESERIES_CSV,
    Result,
    ResultReadError,
    read_result,
)
from .video import VideoInfo

# the files a re-analysis writes again (the rest of the folder is carried over)
_REWRITTEN = (RESULT_JSON, TIMESERIES_CSV, LANDMARKS_NPZ, ANNOTATED_MP4, REPORT_HTML,
              REPORT_PDF)


def folder_config(folder: str | Path) -> Config:
    """The settings a result folder was analysed with: its result.json ``config``, in this
    version's sections or the flat form of earlier versions (settings it does not name keep
    their defaults). Raises InputError when the folder has no readable result.json."""
    folder = Path(folder)
    return _recorded_settings(_read_result(folder), folder)


def reanalyse_folder(folder: str | Path, config: Config | None = None, *,
                     subject_label: str = "", operator: str | None = None,
                     notes: str | None = None) -> AnalysisResult:
    """Analyse a result folder again from its ``landmarks.npz`` (with the printed markers
    when it holds them), without the video and without the pose model, and replace the
    folder's outputs in one atomic step: all of them, or none when something fails.

    ``config``: the settings (default: the folder's own, :func:`folder_config`). Its
    ``video`` and ``outputs`` sections must be the folder's, since the landmarks and the
    annotated video were made with them (ConfigError otherwise). ``annotated.mp4`` is kept
    as it was (drawing it again needs the video; a warning in the result says so);
    ``report.html`` and ``report.pdf`` are written again when the folder had them, with
    ``subject_label``, ``operator`` and ``notes`` (result.json does not keep those).

    Raises InputError when the folder cannot be analysed again (no result.json or no
    landmarks.npz: the error says how to fix it) and ConfigError for settings a
    re-analysis cannot change; the folder is then left as it was. A recording the new
    settings cannot measure gives a result with ``status == "error"``, written like any
    other (the landmarks stay, so it can be analysed again).
    """
    folder = Path(folder)
    before = _read_result(folder)
    recorded = _recorded_settings(before, folder)
    config = config or recorded
    _check_fixed_settings(config, recorded, folder)
    series, markers = _read_landmarks(folder, before)
    first = dict(before.reanalysed_from) if before.reanalysed_from else {
        "analysed_at": before.analysed_at, "versions": dict(before.versions) or None}
    result = AnalysisResult(
        input=before.input or folder.name, status="error", config=config,
        model=_from_dict(ModelInfo, before.model),
        video=_from_dict(VideoInfo, before.video), landmarks=series, markers=markers,
        input_sha256=before.input_sha256, source=before.input,
        analysed_at=dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        reanalysed_from=first)
    try:
        result.analysis = analyse_landmarks(series, config, markers=markers)
        result.status = "ok"
    except ScreeningError as exc:
        result.error = exc
    except Exception as exc:  # a bug: report it as a result, never as a traceback
        result.error = internal_error(exc)
    keep = {}
    if result.ok and (folder / ANNOTATED_MP4).is_file():
        keep["annotated_video"] = folder / ANNOTATED_MP4
        result.notes.append(
            f"annotated.mp4 shows the analysis of {first.get('analysed_at') or 'the video'}: "
            "its phases, live drop and colours may differ from this result. Analyse the "
            "video again (pelvic-screen analyze --force) to draw it again.")
    with_reports = result.ok and any((folder / name).is_file()
                                     for name in (REPORT_HTML, REPORT_PDF))

    def finish(stage: Path) -> None:
        if with_reports:
            write_reports(stage, subject_label=subject_label, operator=operator, notes=notes)
        for item in folder.iterdir():  # anything else in the folder stays
            if item.name not in _REWRITTEN and not item.name.startswith("."):
                carry_over(item, stage / item.name)

    try:
        write_outputs(result, folder, annotate=False, keep=keep, finish=finish)
    except Exception as exc:
        result.outputs = {}
        result.status = "error"
        result.error = ScreeningError(
            f"The new results could not be written to {folder} ({type(exc).__name__}: "
            f"{exc}); the folder is as it was.",
            "Check that the folder is writable and the disk is not full.",
            code="write_failed")
    return result


def _read_result(folder: Path) -> Result:
    path = folder / RESULT_JSON
    if not folder.is_dir():
        raise InputError(f"{folder} is not a folder.",
                         "Give a result folder written by `pelvic-screen analyze` (it holds "
                         "result.json and landmarks.npz).", code="not_a_result_folder")
    if not path.is_file():
        raise InputError(f"{folder} holds no result.json: it is not a result folder.",
                         "Give a folder written by `pelvic-screen analyze` (one per video, "
                         "inside the --out folder).", code="not_a_result_folder")
    try:
        return read_result(path)
    except ResultReadError as exc:
        raise InputError(exc.message, "Analyse the video again with `pelvic-screen analyze "
                         "VIDEO --force`.", code="not_a_result_folder") from None


def _again_hint(before: Result, folder: Path) -> str:
    video = before.input or "VIDEO"
    return (f"Analyse the video again instead (this also saves the landmarks): "
            f"pelvic-screen analyze {video} --out {folder.parent} --force")


def _recorded_settings(before: Result, folder: Path) -> Config:
    if not before.config:
        return Config()
    recorded = recorded_config(before.config, complete=False)
    if recorded is None:
        raise InputError(f"The settings recorded in {folder / RESULT_JSON} cannot be read.",
                         _again_hint(before, folder), code="not_a_result_folder")
    return recorded


def _check_fixed_settings(config: Config, recorded: Config, folder: Path) -> None:
    """The ``video`` and ``outputs`` sections shaped the saved landmarks and the annotated
    video: a re-analysis cannot change them."""
    changed = [f"{section}.{f.name} ({getattr(getattr(recorded, section), f.name)!r} -> "
               f"{getattr(getattr(config, section), f.name)!r})"
               for section in ("video", "outputs")
               for f in fields(getattr(config, section))
               if getattr(getattr(config, section), f.name)
               != getattr(getattr(recorded, section), f.name)]
    if changed:
        raise ConfigError(
            f"{folder}: {', '.join(changed)} cannot change in a re-analysis: the saved "
            "landmarks and the annotated video were made with the folder's own values.",
            "Leave the [video] and [outputs] settings out, or analyse the video again with "
            "them (pelvic-screen analyze VIDEO --force ...).", code="fixed_setting")


def _read_landmarks(folder: Path, before: Result
                    ) -> tuple[LandmarkSeries, MarkerSeries | None]:
    """The saved landmarks, and the printed markers when the file holds them (files written
    before markers were looked for do not)."""
    path = folder / LANDMARKS_NPZ
    if not path.is_file():
        why = (f"the analysis stopped before the pose was found ({before.error.code})"
               if before.error is not None and not before.ok
               else "it was written without them")
        raise InputError(f"{folder} has no landmarks.npz ({why}), so it cannot be analysed "
                         "again without the video.", _again_hint(before, folder),
                         code="no_landmarks")
    try:
        series = LandmarkSeries.load_npz(path)
        with np.load(path) as arrays:
            markers = (MarkerSeries.from_npz_arrays(arrays)
                       if f"{NPZ_PREFIX}centre_px" in arrays else None)
    except (OSError, ValueError, KeyError, zipfile.BadZipFile) as exc:
        raise InputError(f"{path} cannot be read ({type(exc).__name__}: {exc}).",
                         _again_hint(before, folder), code="bad_landmarks") from None
    return series, markers


def _from_dict(cls, data):
    """A ModelInfo or VideoInfo back from result.json (None when it does not fit)."""
    if data is None:
        return None
    try:
        return cls(**{f.name: data[f.name] for f in fields(cls) if f.name in data})
    except TypeError:
        return None

