"""The annotated video: the frames (at most ``OutputsConfig.annotated_max_fps`` a second) with
skeleton, pelvis line, live angle, phase and side, encoded as H.264 by
:class:`screening.encode.H264Writer` so that browsers play it."""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import av
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
    phase = str(ts["phase"][i])
    lines = [f"t {ts['t_s'][i]:5.2f} s   {_PHASE_WORDS.get(phase, phase)}"]
    lifted = str(ts["lifted_side"][i])
    if lifted:
        stance = "right" if lifted == "left" else "left"
        lines.append(f"standing on {stance.upper()} leg")
    drop = ts["pelvic_drop_deg"][i]
    if lifted and np.isfinite(drop):
        lines.append(f"pelvic drop {drop:+.1f} deg")
    lean = ts["trunk_lean_deg"][i]
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


def _drawn_frames(src, analysis: Analysis, outputs: OutputsConfig, thresholds: DecisionConfig,
                  frames, target: tuple[int, int]) -> Iterator[tuple[float, np.ndarray]]:
    """``(t_s, picture)`` of every frame with the analysis drawn on it."""
    series = analysis.cleaned
    t_all = series.t_s
    ts = analysis.timeseries
    k = 0
    last_pts = -1
    for t_s, small in _small_frames(src, outputs, frames):
        # times in milliseconds: uneven frame intervals (webcams, phones) stay as they are;
        # a frame that would share the previous one's millisecond is not drawn
        pts = int(round(t_s * 1000))
        if pts <= last_pts:
            continue
        last_pts = pts
        if (small.shape[1], small.shape[0]) != target:
            small = np.ascontiguousarray(
                av.VideoFrame.from_ndarray(small, format="rgb24")
                .reformat(width=target[0], height=target[1]).to_ndarray(format="rgb24"))
        # frames match the landmark series one to one (same decoder, same rules)
        while k < len(t_all) - 1 and t_all[k] < t_s - 1e-6:
            k += 1
        lifted = bool(ts["lifted_side"][k])
        yield t_s, draw_pose(small, series.xy_px[k], lines=frame_lines(analysis, k),
                             drop_deg=ts["pelvic_drop_deg"][k] if lifted else None,
                             scale=target[0] / series.width_px,
                             negative_below_deg=thresholds.negative_below_deg,
                             positive_from_deg=thresholds.positive_from_deg)


def write_annotated_video(src: str | Path, dst: Path, analysis: Analysis, *,
                          outputs: OutputsConfig, thresholds: DecisionConfig,
                          frames=None) -> None:
    """Draw the analysis on each frame and encode ``dst`` (H.264, the video's own times) at
    the size and frame rate of ``outputs``; the pelvis line is coloured by the decision's
    ``thresholds``. Drawing runs a few frames ahead in a worker thread while the encoder
    works."""
    series = analysis.cleaned
    target = scaled_size(series.width_px, series.height_px, outputs.annotated_long_side_px)
    with H264Writer(dst, crf=23, preset="superfast", size_px=target, origin_s=0.0) as writer:
        for t_s, drawn in prefetch(_drawn_frames(src, analysis, outputs, thresholds, frames,
                                                 target), depth=4):
            writer.write(drawn, t_s)
