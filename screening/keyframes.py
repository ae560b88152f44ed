"""Key frames of a hold: the two-leg baseline just before it and its worst moment, taken
from the annotated video of a result folder (or from the input video when there is none).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .results import ResultBundle

BASELINE_WINDOW_S = 4.0   # the baseline frame is taken from this long before the hold


@dataclass(frozen=True)
class KeyFrame:
    label: str
    t_s: float
    rgb: np.ndarray


def key_frame_times(bundle: ResultBundle, index: int) -> dict[str, float]:
    """``baseline`` (both legs, just before the lift) and ``worst`` (largest drop in the
    steady hold) times for hold ``index``; missing keys when the series cannot tell."""
    ts = bundle.timeseries
    hold = bundle.holds[index]
    t = ts.t_s
    if not len(t):
        return {}
    out: dict[str, float] = {}
    double = ts.phase == "double"
    before = double & (t < hold.hold_start_s) & (t >= hold.hold_start_s - BASELINE_WINDOW_S)
    after = double & (t > hold.hold_end_s)
    pool = t[before] if before.any() else t[after][:30]
    if len(pool):
        out["baseline"] = float(np.median(pool))
    # the worst moment of the steady hold, where the numbers were measured (older results
    # without it: the whole hold)
    start = hold.steady_start_s if hold.steady_start_s is not None else hold.hold_start_s
    end = hold.steady_end_s if hold.steady_end_s is not None else hold.hold_end_s
    in_hold = (t >= start) & (t <= end)
    drop = ts.pelvic_drop_deg
    if np.any(np.isfinite(drop[in_hold])):
        idx = np.flatnonzero(in_hold)
        out["worst"] = float(t[idx[np.nanargmax(drop[in_hold])]])
    return out


def read_frames_at(video: str | Path, times_s: list[float], *, max_width: int = 480
                   ) -> list[np.ndarray | None]:
    """The frames nearest to ``times_s`` (RGB, scaled to at most ``max_width``)."""
    import av

    best: list[tuple[float, np.ndarray | None]] = [(math.inf, None) for _ in times_s]
    try:
        with av.open(str(video)) as container:
            stream = container.streams.video[0]
            for frame in container.decode(stream):
                if frame.pts is None:
                    continue
                t = float(frame.pts * frame.time_base)
                near = [k for k, target in enumerate(times_s) if abs(t - target) < best[k][0]]
                if not near:
                    if t > max(times_s) + 1.0:
                        break
                    continue
                if frame.width > max_width:
                    frame = frame.reformat(width=max_width,
                                           height=int(round(frame.height * max_width
                                                            / frame.width / 2)) * 2)
                rgb = frame.to_ndarray(format="rgb24")
                for k in near:
                    best[k] = (abs(t - times_s[k]), rgb)
    except (OSError, av.error.FFmpegError, IndexError):
        return [None for _ in times_s]
    return [rgb for _, rgb in best]


def key_frames(bundle: ResultBundle, index: int) -> list[KeyFrame]:
    """Baseline and worst-moment frames of hold ``index``: from the bundle's ``frames_at``,
    else decoded from the annotated video (or the input video when there is none); once
    per bundle."""
    if ("key_frames", index) in bundle.cache:
        return bundle.cache[("key_frames", index)]
    times = key_frame_times(bundle, index)
    frames_at = bundle.frames_at
    if frames_at is None:
        video = bundle.file("annotated_video")
        if video is None:
            src = Path(bundle.result.input or "")
            video = src if bundle.result.input and src.is_file() else None
        if video is not None:
            def frames_at(times_s: list[float]) -> list[np.ndarray | None]:
                return read_frames_at(video, times_s)
    if not times or frames_at is None:
        return []
    labels = {"baseline": "both legs (baseline)", "worst": "largest drop in the hold"}
    keys = [k for k in ("baseline", "worst") if k in times]
    frames = frames_at([times[k] for k in keys])
    result = [KeyFrame(f"{labels[k]}, {times[k]:.1f} s", times[k], rgb)
              for k, rgb in zip(keys, frames, strict=True) if rgb is not None]
    bundle.cache[("key_frames", index)] = result
    return result


def jpeg_of(rgb: np.ndarray, quality: int = 88) -> bytes:
    """A key frame for the HTML report (a photo: JPEG is smaller and faster than PNG)."""
    import cv2

    ok, buf = cv2.imencode(".jpg", np.ascontiguousarray(rgb[:, :, ::-1]),
                           [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:
        raise ValueError(f"a key frame of shape {rgb.shape} could not be JPEG-encoded")
    return buf.tobytes()
