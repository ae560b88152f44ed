"""The pose pass: one decoding of the video, the pose model on the frames it is to see
(under ``VideoConfig.max_pose_fps``; where nothing moves fewer, screening.pose.rate), and
in the same pass the printed pelvis markers; the frames not posed are filled in and
flagged. While the model runs, the modules the later steps need are imported in the
background.
"""

from __future__ import annotations

import importlib
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import numpy as np

from .landmarks import LandmarkSeries
from .markers import MarkerFrame, MarkerSeries
from .markers.detect import MarkerTracker
from .pose import PoseBackend, PoseFrame, mean_brightness
from .pose.rate import PoseRate, fill_skipped
from .progress import Progress, noop
from .video import iter_frames, iter_frames_with_luma, prefetch


def estimate_pose(path: str | Path, backend: PoseBackend, *, max_long_side_px: int | None,
                  min_interval_s: float = 0.0, steady_interval_s: float = 0.0,
                  duration_hint_s: float = 0.0, progress: Progress = noop(),
                  frame_sink: Callable[[float, object], None] | None = None) -> LandmarkSeries:
    """Run the pose backend over every frame (at most one per ``min_interval_s``, see
    ``VideoConfig.max_pose_fps``; where nothing moves one per ``steady_interval_s``, see
    ``VideoConfig.steady_pose_fps`` and screening.pose.rate); returns the raw landmark
    series, one sample per frame under the cap (those not posed filled in and flagged).

    ``frame_sink(t_s, rgb)``, when given, also receives every frame (e.g. a FrameStore).
    """
    series, _ = _pose_pass(path, backend, max_long_side_px=max_long_side_px,
                           min_interval_s=min_interval_s, steady_interval_s=steady_interval_s,
                           duration_hint_s=duration_hint_s, progress=progress,
                           frame_sink=frame_sink, markers=False)
    return series


def estimate_pose_and_markers(path: str | Path, backend: PoseBackend, *,
                              max_long_side_px: int | None, min_interval_s: float = 0.0,
                              steady_interval_s: float = 0.0, mirrored: bool = False,
                              duration_hint_s: float = 0.0, progress: Progress = noop(),
                              frame_sink: Callable[[float, object], None] | None = None
                              ) -> tuple[LandmarkSeries, MarkerSeries]:
    """:func:`estimate_pose`, and in the same pass the printed pelvis markers
    (screening.markers), looked for at full resolution around the pelvis the pose found
    (in every frame under the cap, also those not posed). The markers share the
    landmarks' frames and pixel grid."""
    series, markers = _pose_pass(path, backend, max_long_side_px=max_long_side_px,
                                 min_interval_s=min_interval_s,
                                 steady_interval_s=steady_interval_s,
                                 duration_hint_s=duration_hint_s, progress=progress,
                                 frame_sink=frame_sink, markers=True, mirrored=mirrored)
    assert markers is not None
    return series, markers


def _pose_pass(path, backend: PoseBackend, *, max_long_side_px: int | None,
               min_interval_s: float, steady_interval_s: float, duration_hint_s: float,
               progress: Progress, frame_sink: Callable[[float, object], None] | None,
               markers: bool, mirrored: bool = False
               ) -> tuple[LandmarkSeries, MarkerSeries | None]:
    posed: list[PoseFrame] = []
    t_all: list[float] = []
    luma: list[float] = []
    skipped: tuple[float, object] | None = None   # the last frame not posed, since one was
    rate = PoseRate(steady_interval_s)
    # the markers are looked for in a worker thread (OpenCV releases the GIL), frame after
    # frame in order, while the pose model runs on the next frame
    marker_frames: list[Future[MarkerFrame]] = []
    marker_worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="markers")
    tracker: MarkerTracker | None = None
    size = (0, 0)
    if markers:
        decoded = iter_frames_with_luma(path, max_long_side_px=max_long_side_px,
                                        min_interval_s=min_interval_s)
    else:
        decoded = ((t_s, rgb, None) for t_s, rgb in
                   iter_frames(path, max_long_side_px=max_long_side_px,
                               min_interval_s=min_interval_s))

    def pose_frame(t_s: float, rgb) -> PoseFrame:
        pose = backend.process(rgb, t_s)
        rate.seen(pose)
        posed.append(pose)
        luma[-1] = pose.luma_mean
        return pose

    loader = None
    try:
        for t_s, rgb, gray in prefetch(decoded):
            size = (rgb.shape[1], rgb.shape[0])
            if frame_sink is not None:
                frame_sink(t_s, rgb)
            t_all.append(t_s)
            luma.append(float("nan"))
            pose = None
            if rate.wants(t_s):
                pose, skipped = pose_frame(t_s, rgb), None
            else:
                skipped = (t_s, rgb)
                luma[-1] = mean_brightness(rgb)
            if loader is None:  # after the first frame: the pose model is loaded
                loader = _import_in_background(LOADED_DURING_POSE)
            if gray is not None:
                if tracker is None:
                    tracker = MarkerTracker(pose_size_px=size,
                                            full_size_px=(gray.shape[1], gray.shape[0]),
                                            mirrored=mirrored)
                found = pose is not None and pose.n_people
                marker_frames.append(marker_worker.submit(
                    tracker.process, gray, pose.xy_px if found else None))
            if duration_hint_s > 0 and len(t_all) % 10 == 0:
                progress(min(t_s / duration_hint_s, 1.0),
                         f"pose {t_s:.1f}/{duration_hint_s:.1f} s")
        if skipped is not None:  # the last frame is always posed: the fill needs both ends
            pose_frame(*skipped)
        found_markers = [f.result() for f in marker_frames]
    finally:
        marker_worker.shutdown(wait=True, cancel_futures=True)
    if loader is not None:
        loader.join()
    series = fill_skipped(posed, np.array(t_all), np.array(luma), width_px=size[0],
                          height_px=size[1])
    if not markers:
        return series, None
    return series, MarkerSeries.from_frames(series.t_s, found_markers, width_px=size[0],
                                            height_px=size[1])


# What the steps after the pose pass import, loaded while it runs: the report's matplotlib
# backends (a third of a second; matplotlib itself comes with mediapipe)
LOADED_DURING_POSE = ("matplotlib.backends.backend_agg", "matplotlib.backends.backend_pdf")


def _import_in_background(modules: tuple[str, ...]) -> threading.Thread:
    """Import ``modules`` in a worker thread: the pose pass leaves that much of a core idle
    (the model runs without the GIL). Started once the pose model is loaded (so that no
    two threads import the same package at once), joined before the analysis. A failed
    import is left to the step that needs the module: it imports it again and says why."""
    def load() -> None:
        for module in modules:
            try:
                importlib.import_module(module)
            except ImportError:
                pass

    worker = threading.Thread(target=load, name="import-during-pose", daemon=True)
    worker.start()
    return worker
