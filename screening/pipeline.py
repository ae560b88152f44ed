"""``analyse_video``: the one library call behind the CLI, the batch runner and the app
(``screening.reanalysis`` runs the analysis again from a result folder's saved landmarks).

Orchestration only: probe -> pose over all frames (screening.pose_pass) -> analysis
(screening.analysis) -> optional outputs (screening.outputs). Problems with the input come
back as a result with ``status == "error"`` and an error code, message and hint;
``analyse_video`` does not raise for bad input.
"""

from __future__ import annotations

import datetime as dt
import platform
import traceback
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

from .analysis import STANCE_SIDES_ASKED, Analysis, HoldMeasurement, analyse_landmarks
from .config import Config
from .errors import InputError, ScreeningError
from .framestore import FrameStore
from .jsondoc import plain
from .landmarks import LandmarkSeries
from .markers import MarkerSeries
from .outputs import ReportDetails
from .pose import PoseBackend
from .pose.model import ModelInfo, resolve_model
from .pose_pass import estimate_pose, estimate_pose_and_markers
from .progress import Progress, noop, sub_range
from .results import Failure, Result, Side, Status
from .video import VideoInfo, probe

__all__ = ["AnalysisResult", "analyse_video", "estimate_pose", "estimate_pose_and_markers",
           "ends_early_notes", "internal_error", "versions"]


def versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for name in ("pelvic-screen", "mediapipe", "numpy", "av"):
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


@dataclass
class AnalysisResult:
    input: str
    status: str                       # "ok" or "error"
    config: Config
    model: ModelInfo | None = None
    video: VideoInfo | None = None
    error: ScreeningError | None = None
    analysis: Analysis | None = None
    landmarks: LandmarkSeries | None = None
    markers: MarkerSeries | None = None  # printed pelvis markers, one sample per pose frame
    outputs: dict[str, str] = field(default_factory=dict)
    input_sha256: str | None = None   # of the input file, when it could be read
    notes: list[str] = field(default_factory=list)  # problems with the file or the outputs,
    #                                                 not with the test
    source: str = ""                  # where the video was read, when not ``input`` itself
    analysed_at: str = ""             # ISO 8601 local time with offset, seconds
    # analysed again from saved landmarks: when and by which versions the pose was found
    reanalysed_from: dict | None = None

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    @property
    def holds(self) -> list[HoldMeasurement]:
        return self.analysis.holds if self.analysis else []

    def to_result(self) -> Result:
        """What ``result.json`` keeps of this analysis (schema in docs/OUTPUTS.md)."""
        quality = dict(self.analysis.quality) if self.analysis else {}
        if self.video:
            quality.setdefault("rotation_applied_deg", self.video.rotation_deg)
        if self.markers is not None:
            for key, value in self.markers.summary().items():
                quality.setdefault(key, value)
        analysis = self.analysis
        return Result(
            input=self.input,
            status=Status(self.status),
            input_sha256=self.input_sha256,
            analysed_at=self.analysed_at or None,
            reanalysed_from=self.reanalysed_from or None,
            error=Failure.of(self.error) if self.error else None,
            model=self.model.to_dict() if self.model else None,
            estimator=self.config.measurement.estimator,
            config=plain(self.config.to_dict()),
            versions=versions(),
            video=plain(self.video.to_dict()) if self.video else None,
            quality=plain(quality),
            warnings=tuple((analysis.warnings if analysis else []) + self.notes),
            holds=tuple(h.result() for h in self.holds),
            sides=tuple(side.result() for side in analysis.sides) if analysis else (),
            missed_holds=tuple(analysis.missed_holds) if analysis and self.ok else (),
            outputs=dict(self.outputs),
        )


def analyse_video(path: str | Path, *, config: Config = Config(), out_dir: str | Path | None = None,
                  model: ModelInfo | None = None, backend: PoseBackend | None = None,
                  progress: Progress | None = None, annotate: bool = True,
                  input_name: str | None = None, report: ReportDetails | None = None,
                  stance_sides_asked: Sequence[Side] = STANCE_SIDES_ASKED) -> AnalysisResult:
    """Analyse one single-leg-stance video.

    ``out_dir``: when given, writes result.json, timeseries.csv, landmarks.npz and (with
    ``annotate``) annotated.mp4 there, atomically; with ``report`` also the printable
    report (report.html, report.pdf) with those details. ``backend``: any PoseBackend (default:
    MediaPipe with the resolved ``model``). ``progress(fraction, message)`` is called as
    the work goes on. ``input_name``: the input as recorded in the result (default:
    ``path`` as given), e.g. the path a user typed when ``path`` is its absolute form on
    another machine. ``stance_sides_asked``: the legs the protocol asked to stand on (both,
    as the webcam protocol and the recording instructions do); a leg without a hold is
    named in the result's ``missed_holds``. Never raises for bad input: see
    ``result.status`` / ``result.error``.
    """
    progress = progress or noop()
    result = AnalysisResult(input=str(path) if input_name is None else input_name,
                            status="error", config=config, source=str(path),
                            analysed_at=dt.datetime.now().astimezone().isoformat(timespec="seconds"))
    store = FrameStore(config.outputs.annotated_long_side_px,
                       min_interval_s=config.outputs.annotated_interval_s) \
        if out_dir is not None and annotate else None
    try:
        result.video = info = probe(path)
        result.input_sha256 = _sha256(path)
        if info.duration_s > config.video.max_duration_s:
            raise InputError(f"The video is {info.duration_s / 60:.0f} min long; the limit is "
                             f"{config.video.max_duration_s / 60:.0f} min.",
                             "Cut the part with the test (a minute is plenty), or raise "
                             "--max-duration-s.", code="too_long")
        own_backend = backend is None
        if own_backend:
            result.model = model or resolve_model()
            from .pose.mediapipe_backend import MediaPipePose
            backend = MediaPipePose(result.model)
        elif model is not None:
            result.model = model
        try:
            progress(0.0, "finding the pose")
            series, markers = estimate_pose_and_markers(
                path, backend, max_long_side_px=config.video.max_long_side_px,
                min_interval_s=config.video.pose_interval_s,
                steady_interval_s=config.video.steady_pose_interval_s,
                mirrored=config.video.mirrored, duration_hint_s=info.duration_s,
                progress=sub_range(progress, 0.0, 0.85),
                frame_sink=store.add if store is not None else None)
        finally:
            if own_backend:
                backend.close()
        result.landmarks = series
        result.markers = markers
        result.notes.extend(ends_early_notes(info, series))
        progress(0.85, "measuring")
        result.analysis = analyse_landmarks(series, config, markers=markers,
                                            stance_sides_asked=stance_sides_asked)
        result.status = "ok"
    except ScreeningError as exc:
        result.error = exc
    except MemoryError:
        result.error = InputError("The video is too large to analyse in the memory available.",
                                  "Use a shorter clip or a lower resolution (1080p is plenty).",
                                  code="too_large")
    except Exception as exc:  # a bug: report it as a result, never as a traceback
        result.error = internal_error(exc)
    try:
        if out_dir is not None:
            progress(0.9, "writing outputs")
            _write(result, Path(out_dir), annotate=annotate, frames=store, report=report)
    finally:
        if store is not None:
            store.close()
    progress(1.0, "done")
    return result


def ends_early_notes(info: VideoInfo, series: LandmarkSeries) -> list[str]:
    """A warning when the frames stop well before the duration the file declares (a file
    cut off while it was copied, or damaged after some point): the part before it is
    analysed, and the user should know that the rest was not. More than 1 s and more than
    a tenth of the video must be missing, so a frame-rate cap or a last frame's length
    never trigger it."""
    decoded_s = float(series.t_s[-1]) if len(series) else 0.0
    missing_s = info.duration_s - decoded_s
    if info.duration_s <= 0 or missing_s <= max(1.0, 0.1 * info.duration_s):
        return []
    return [f"The video ends early or is damaged: its frames stop at {decoded_s:.1f} s of "
            f"the {info.duration_s:.1f} s it declares, so only that part was analysed. If "
            "the test goes on after it, copy the video again from the camera or phone."]


def _sha256(path: str | Path) -> str | None:
    """The input's sha256: the records tell repeated analyses of one recording apart."""
    import hashlib

    h = hashlib.sha256()
    try:
        with open(path, "rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                h.update(chunk)
    except OSError:
        return None
    return h.hexdigest()


def _write(result: AnalysisResult, out_dir: Path, *, annotate: bool, frames,
           report: ReportDetails | None = None) -> None:
    """Write the outputs; if the annotated video fails, write the rest without it; if
    nothing can be written, say so in the result (never raise)."""
    from .outputs import write_outputs

    try:
        write_outputs(result, out_dir, annotate=annotate, frames=frames, report=report)
        return
    except Exception as exc:
        first = f"{type(exc).__name__}: {exc}"
    if annotate and result.ok:
        result.notes.append(f"The annotated video could not be made ({first}); the other "
                            "outputs are complete.")
        try:
            write_outputs(result, out_dir, annotate=False, report=report)
            return
        except Exception as exc:
            first = f"{type(exc).__name__}: {exc}"
    result.outputs = {}
    result.error = ScreeningError(
        f"The results could not be written to {out_dir} ({first}).",
        "Check that the folder is writable and the disk is not full.", code="write_failed")
    result.status = "error"


def internal_error(exc: Exception) -> ScreeningError:
    """A bug met during an analysis, as an error for the result (with the traceback in its
    details), never as a traceback on the screen. The caller names the file."""
    return ScreeningError(
        f"Internal error while analysing the video: {type(exc).__name__}: {exc}",
        "Please report this with the video if you can; the details are in result.json "
        "(error.details).", code="internal_error", details=traceback.format_exc())
