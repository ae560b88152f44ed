"""The annotated video: the frames (at most ``OutputsConfig.annotated_max_fps`` a second) with
skeleton, pelvis line, live angle, phase and side, encoded as H.264 by
:class:`screening.encode.H264Writer` so that browsers play it."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Iterator

import cv2
import numpy as np

from .analysis import Analysis
from .config import DecisionConfig, OutputsConfig
from .encode import H264Writer
from .overlay import draw_pose
from .video import iter_frames, keep_frame, prefetch, scaled_size

_PHASE_WORDS = {"double": "both legs", "lift": "lifting", "hold": "HOLD", "lower": "lowering",
                "no_person": "no person found"}


def frame_lines(analysis: Analysis, i: int) -> list[str]:
    ts = analysis.timeseries
    phase = str(ts.phase[i])
    lines = [f"t {ts.t_s[i]:5.2f} s   {_PHASE_WORDS.get(phase, phase)}"]
    lifted = str(ts.lifted_side[i])
    if lifted:
        stance = "right" if lifted == "left" else "left"
        lines.append(f"standing on {stance.upper()} leg")
    drop = ts.pelvic_drop_deg[i]
    if lifted and np.isfinite(drop):
        lines.append(f"pelvic drop {drop:+.1f} deg")
    lean = ts.trunk_lean_deg[i]
    if lifted and np.isfinite(lean):
        lines.append(f"trunk lean {lean:+.1f} deg")
    return lines


def _small_frames(src, outputs: OutputsConfig, frames) -> Iterator[tuple[float, np.ndarray]]:
    """Frames at the annotated size: from the FrameStore when complete, else decoded again."""
    if frames is not None and frames.complete and len(frames):
        yield from frames.frames()
        return
    last = None
    for t_s, rgb in iter_frames(src, max_long_side_px=outputs.annotated_long_side_px):
        if keep_frame(t_s, last, outputs.annotated_interval_s):
            last = t_s
            yield t_s, rgb


def _series_index(t_all: np.ndarray, t_s: float, start: int = 0) -> int:
    """Index of the landmark frame of the video frame at ``t_s`` (the first at or after
    it: frames match the landmark series one to one, same decoder, same rules)."""
    k = start
    while k < len(t_all) - 1 and t_all[k] < t_s - 1e-6:
        k += 1
    return k


def annotated_size(analysis: Analysis, outputs: OutputsConfig) -> tuple[int, int]:
    series = analysis.cleaned
    return scaled_size(series.width_px, series.height_px, outputs.annotated_long_side_px)


def draw_frame(small: np.ndarray, analysis: Analysis, k: int, *, target: tuple[int, int],
               thresholds: DecisionConfig) -> np.ndarray:
    """Video frame ``small`` (RGB) at the annotated size ``target`` with landmark frame
    ``k`` of the analysis drawn on it; the pelvis line coloured by ``thresholds``."""
    series = analysis.cleaned
    ts = analysis.timeseries
    if (small.shape[1], small.shape[0]) != target:
        small = cv2.resize(small, target, interpolation=cv2.INTER_AREA)
    lifted = bool(ts.lifted_side[k])
    return draw_pose(small, series.xy_px[k], lines=frame_lines(analysis, k),
                     drop_deg=ts.pelvic_drop_deg[k] if lifted else None,
                     scale=target[0] / series.width_px, thresholds=thresholds)


def _drawn_frames(src, analysis: Analysis, outputs: OutputsConfig, thresholds: DecisionConfig,
                  frames, target: tuple[int, int]) -> Iterator[tuple[float, np.ndarray]]:
    """``(t_s, picture)`` of every frame with the analysis drawn on it, the picture in
    YUV 4:2:0 as the encoder takes it (converted here, in the drawing thread)."""
    t_all = analysis.cleaned.t_s
    k = 0
    last_pts = -1
    for t_s, small in _small_frames(src, outputs, frames):
        # times in milliseconds: uneven frame intervals (webcams, phones) stay as they are;
        # a frame that would share the previous one's millisecond is not drawn
        pts = int(round(t_s * 1000))
        if pts <= last_pts:
            continue
        last_pts = pts
        k = _series_index(t_all, t_s, k)
        drawn = draw_frame(small, analysis, k, target=target, thresholds=thresholds)
        yield t_s, cv2.cvtColor(drawn, cv2.COLOR_RGB2YUV_I420)


def drawn_frames_at(times_s: list[float], analysis: Analysis, *, outputs: OutputsConfig,
                    thresholds: DecisionConfig, frames) -> list[np.ndarray | None]:
    """The annotated video's frames nearest to ``times_s`` (RGB, annotated size), drawn
    from a complete FrameStore without decoding or encoding anything (e.g. the report's
    key frames while the annotated video is being encoded); None without one."""
    if frames is None or not frames.complete or not len(frames):
        return [None for _ in times_s]
    stored = np.asarray(frames.times_s(), dtype=float)
    target = annotated_size(analysis, outputs)
    out: list[np.ndarray | None] = []
    for t in times_s:
        i = int(np.argmin(np.abs(stored - t)))
        k = _series_index(analysis.cleaned.t_s, float(stored[i]))
        out.append(draw_frame(frames.frame_at(i), analysis, k, target=target,
                              thresholds=thresholds))
    return out


def write_annotated_video(src: str | Path, dst: Path, analysis: Analysis, *,
                          outputs: OutputsConfig, thresholds: DecisionConfig,
                          frames=None, stop: threading.Event | None = None) -> None:
    """Draw the analysis on each frame and encode ``dst`` (H.264, the video's own times) at
    the size and frame rate of ``outputs``; the pelvis line is coloured by the decision's
    ``thresholds``. Drawing runs a few frames ahead in a worker thread while the encoder
    works. ``stop``, when set (e.g. from another thread on Ctrl-C), ends the work early
    with :class:`InterruptedError`."""
    target = annotated_size(analysis, outputs)
    # ultrafast: half the CPU time of superfast for about twice the size (8 s at 404x720:
    # 0.2 against 0.45 s, 246 against 130 kB)
    with H264Writer(dst, crf=23, preset="ultrafast", size_px=target, origin_s=0.0) as writer:
        for t_s, yuv in prefetch(_drawn_frames(src, analysis, outputs, thresholds, frames,
                                               target), depth=4):
            if stop is not None and stop.is_set():
                raise InterruptedError("the annotated video was stopped")
            writer.write(yuv, t_s, pixel_format="yuv420p")
