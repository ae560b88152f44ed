"""One frame of the webcam test: is the person framed well, and what the protocol reads.

Pure functions of one frame's landmarks: ``xy_px`` (33, 2) of an *unmirrored* frame
(NaN where not found) and ``visibility`` (33,) in 0..1.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..config import RecordingConfig
from ..geometry import ankle_raise_legs, frontal_ratios, hip_obliquity_deg, hip_width_px
from ..landmarks import (
    LEFT_ANKLE,
    LEFT_HIP,
    LEFT_SHOULDER,
    NOSE,
    RIGHT_ANKLE,
    RIGHT_HIP,
    RIGHT_SHOULDER,
)


@dataclass(frozen=True)
class FramingCheck:
    """Is the person framed well enough to measure? ``problems`` say what to change."""

    ok: bool
    problems: tuple[str, ...] = ()
    body_height_fraction: float = float("nan")
    frontal_ratio: float = float("nan")


def check_framing(xy_px: np.ndarray | None, visibility: np.ndarray | None, width: int,
                  height: int, *, min_visibility: float = 0.5,
                  min_height_fraction: float = 0.45,
                  min_frontal_ratio: float = RecordingConfig.min_frontal_ratio,
                  margin_fraction: float = 0.01) -> FramingCheck:
    """Whole body in view (head to ankles), tall enough in the picture, facing the camera.

    ``xy_px`` (33, 2) landmarks of an *unmirrored* frame of ``width`` x ``height`` pixels
    (NaN where not found); ``visibility`` (33,) in 0..1.
    """
    if xy_px is None or not np.any(np.isfinite(xy_px)):
        return FramingCheck(False, ("Step into the picture: nobody is in view.",))
    xy = np.asarray(xy_px, dtype=float)
    vis = np.ones(len(xy)) if visibility is None else np.nan_to_num(np.asarray(visibility, float))
    mx, my = margin_fraction * width, margin_fraction * height

    def seen(i: int) -> bool:
        x, y = xy[i]
        return bool(np.isfinite(x) and np.isfinite(y) and mx <= x <= width - mx
                    and my <= y <= height - my and vis[i] >= min_visibility)

    problems: list[str] = []
    if not (seen(LEFT_ANKLE) and seen(RIGHT_ANKLE)):
        problems.append("Step back or tilt the camera down: both feet must be in the picture.")
    if not seen(NOSE):
        problems.append("Step back or tilt the camera up: your head must be in the picture.")
    if not all(seen(i) for i in (LEFT_SHOULDER, RIGHT_SHOULDER, LEFT_HIP, RIGHT_HIP)):
        problems.append("Your hips and shoulders must be in view: stand in the middle of the "
                        "picture.")
    top = xy[NOSE, 1]
    bottom = np.nanmax(xy[[LEFT_ANKLE, RIGHT_ANKLE], 1]) if np.any(
        np.isfinite(xy[[LEFT_ANKLE, RIGHT_ANKLE], 1])) else np.nan
    height_fraction = float((bottom - top) / height) if np.isfinite(top) and np.isfinite(
        bottom) else float("nan")
    if np.isfinite(height_fraction) and height_fraction < min_height_fraction and not problems:
        problems.append(f"Come closer: you fill {100 * height_fraction:.0f}% of the picture "
                        f"height; {100 * min_height_fraction:.0f}% or more measures better.")
    ratio = float(frontal_ratios(xy))
    if np.isfinite(ratio) and ratio < min_frontal_ratio:
        problems.append("Turn to face the camera, so both hips are side by side.")
    return FramingCheck(not problems, tuple(problems), height_fraction, ratio)


@dataclass(frozen=True)
class Observation:
    """What the protocol needs from one frame."""

    found: bool
    framing: FramingCheck
    obliquity_deg: float = float("nan")
    ankle_raise: float = float("nan")   # left ankle above right, leg lengths
    hip_width_px: float = float("nan")
    xy_px: np.ndarray | None = None     # (33, 2) landmarks of the frame, NaN where unknown


def observe(xy_px: np.ndarray | None, visibility: np.ndarray | None, width: int,
            height: int) -> Observation:
    """The framing check and the pelvis line, ankle raise and hip width of one frame."""
    framing = check_framing(xy_px, visibility, width, height)
    if xy_px is None or not np.any(np.isfinite(xy_px)):
        return Observation(False, framing)
    xy = np.asarray(xy_px, dtype=float)
    return Observation(True, framing, float(hip_obliquity_deg(xy)), ankle_raise_legs(xy),
                       float(hip_width_px(xy)), xy)
