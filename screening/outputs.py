"""Writing one input's outputs atomically: result.json, timeseries.csv, landmarks.npz,
annotated.mp4 and (when asked) the printable report go to a hidden staging folder that
replaces the final folder in one rename (:func:`screening.files.staged_folder`), so a
crash or Ctrl-C never leaves a half-written result.

This is the one writer of result.json (:func:`write_result_json`); screening.results has
its one reader."""

from __future__ import annotations

import csv
import json
import os
import shutil
import threading
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from .files import staged_folder
from .jsondoc import plain
from .results import (
    ANNOTATED_MP4,
    LANDMARKS_NPZ,
    RESULT_JSON,
    TIMESERIES_CSV,
    Result,
    ResultBundle,
)
from .timeseries import TimeSeries


def write_result_json(path: Path, result: Result) -> None:
    """``result`` as result.json (schema screening.results.SCHEMA_VERSION)."""
    path.write_text(json.dumps(plain(result.to_document()), indent=2, allow_nan=False)
                    + "\n")


def write_timeseries_csv(path: Path, timeseries: TimeSeries) -> None:
    columns = timeseries.columns()
    with path.open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(list(columns))
        for row in zip(*columns.values(), strict=True):
            writer.writerow([_csv_cell(v) for v in row])


def _csv_cell(value):
    if isinstance(value, (bool, np.bool_)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return "" if not np.isfinite(value) else f"{float(value):.4f}"
    return value


@dataclass(frozen=True)
class ReportDetails:
    """What the printable report (report.html, report.pdf) shows beside the result: the
    subject's label, the examiner and free-text notes (as stored in the records)."""

    subject_label: str = ""
    operator: str | None = None
    notes: str | None = None


def write_outputs(result, out_dir: Path, *, annotate: bool = True, frames=None,
                  keep: Mapping[str, Path] | None = None,
                  finish: Callable[[Path], None] | None = None,
                  report: ReportDetails | None = None) -> None:
    """Write everything for ``result`` into ``out_dir`` (replacing it) atomically.

    ``frames``: a complete FrameStore of the video for the annotated video (else the
    source is decoded again). ``keep``: files carried over unchanged into the new folder,
    by their key in ``result.outputs`` (e.g. ``{"annotated_video": old_path}``).
    ``finish(folder)``: called with the new, complete folder before it replaces
    ``out_dir`` (e.g. to add the printable reports), so they are replaced together.
    ``report``: also write the printable report (a successful result only); it is drawn
    while the annotated video is encoded in a worker thread, its key frames taken from
    ``frames``. A report that fails is left out (the result stands;
    :func:`screening.records.record_result` can make it later)."""
    out_dir = Path(out_dir)
    stop = threading.Event()
    with staged_folder(out_dir) as stage, \
            ThreadPoolExecutor(max_workers=1, thread_name_prefix="annotated-video") as pool:
        try:
            files = {"result": RESULT_JSON}
            encoding = None
            if result.ok and result.analysis is not None:
                write_timeseries_csv(stage / TIMESERIES_CSV, result.analysis.timeseries)
                files["timeseries"] = TIMESERIES_CSV
                if annotate:
                    from .annotate import write_annotated_video
                    encoding = pool.submit(
                        write_annotated_video, result.source or result.input,
                        stage / ANNOTATED_MP4, result.analysis, outputs=result.config.outputs,
                        thresholds=result.config.decision, frames=frames, stop=stop)
                    files["annotated_video"] = ANNOTATED_MP4
            if result.landmarks is not None and len(result.landmarks):
                markers = getattr(result, "markers", None)
                result.landmarks.save_npz(
                    stage / LANDMARKS_NPZ,
                    extra=markers.npz_arrays() if markers is not None else None)
                files["landmarks"] = LANDMARKS_NPZ
            for key, source in (keep or {}).items():
                carry_over(Path(source), stage / Path(source).name)
                files[key] = Path(source).name
            result.outputs = {k: str(out_dir / v) for k, v in files.items()}
            write_result_json(stage / RESULT_JSON, result.to_result())
            if report is not None and result.ok and result.analysis is not None:
                _write_report(result, stage, report, frames=frames, encoding=encoding,
                              annotated=stage / ANNOTATED_MP4 if annotate else None)
            if encoding is not None:
                encoding.result()
            if finish is not None:
                finish(stage)
        except BaseException:
            stop.set()  # the annotated video stops at its next frame
            raise


def _write_report(result, stage: Path, details: ReportDetails, *, frames, encoding,
                  annotated: Path | None) -> None:
    """report.html and report.pdf of ``result`` into the staging folder; key frames drawn
    from the FrameStore (while the annotated video is encoded), else decoded from the
    annotated video once it is done (or from the input video without one)."""
    from .annotate import drawn_frames_at
    from .keyframes import read_frames_at
    from .report_html import write_reports

    def frames_at(times_s: list[float]) -> list:
        drawn = drawn_frames_at(times_s, result.analysis, outputs=result.config.outputs,
                                thresholds=result.config.decision, frames=frames)
        if any(rgb is not None for rgb in drawn):
            return [None if rgb is None else _key_frame_size(rgb) for rgb in drawn]
        if encoding is not None:
            encoding.result()
        return read_frames_at(annotated or result.source or result.input, times_s)

    try:
        bundle = replace(ResultBundle.from_dir(stage), frames_at=frames_at)
        write_reports(stage, subject_label=details.subject_label, operator=details.operator,
                      notes=details.notes, bundle=bundle)
    except Exception:
        for name in ("report.html", "report.pdf"):
            (stage / name).unlink(missing_ok=True)


def _key_frame_size(rgb, max_width: int = 480):
    """A key frame at most ``max_width`` wide, as :func:`screening.keyframes.read_frames_at`
    gives them."""
    import cv2

    if rgb.shape[1] <= max_width:
        return rgb
    height = int(round(rgb.shape[0] * max_width / rgb.shape[1] / 2)) * 2
    return cv2.resize(rgb, (max_width, height), interpolation=cv2.INTER_AREA)


def carry_over(source: Path, target: Path) -> None:
    """``source`` into a new result folder: a file as a hard link (a large video is not
    copied), else as a copy; a folder as a copy."""
    if source.is_dir():
        shutil.copytree(source, target)
        return
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


def write_result_folder(out_dir: Path, result: Result) -> None:
    """Replace ``out_dir`` with a folder holding only ``result`` as result.json (e.g. the
    record of a crashed worker), atomically like :func:`write_outputs`."""
    with staged_folder(Path(out_dir)) as stage:
        write_result_json(stage / RESULT_JSON, result)
