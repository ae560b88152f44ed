"""Image geometry of the body: pure functions of landmark pixels, nothing else.

The floor under phases, estimators, metrics, analysis, the live test and the markers: it
imports only numpy and :mod:`screening.landmarks`. Conventions are those of
:mod:`screening.landmarks` (x to the right, y downward, pixels; sides anatomical; NaN where
a landmark is missing).

Every function takes landmarks ``xy_px`` of shape ``(..., 33, 2)``: one frame ``(33, 2)``
or a series ``(N, 33, 2)``, and returns one value per frame, unless it says it reduces
over the frames.

Front and back views: facing an unmirrored camera, the subject's left hip is on the image
right (``hip_dx_px > 0``); with the back to the camera it is on the image left. Formulas
that must not care (obliquity, widths) use ``|dx|``.
"""

from __future__ import annotations

import numpy as np

from .landmarks import (
    LEFT_ANKLE,
    LEFT_HIP,
    LEFT_KNEE,
    LEFT_SHOULDER,
    NOSE,
    RIGHT_ANKLE,
    RIGHT_HIP,
    RIGHT_KNEE,
    RIGHT_SHOULDER,
)

# the points that place a standing body in the picture: head, shoulders, hips, knees, ankles
BODY_POINTS = (NOSE, LEFT_SHOULDER, RIGHT_SHOULDER, LEFT_HIP, RIGHT_HIP, LEFT_KNEE,
               RIGHT_KNEE, LEFT_ANKLE, RIGHT_ANKLE)

# --- lines between a left point and its right twin ----------------------------------------

def line_obliquity_deg(left_xy_px: np.ndarray, right_xy_px: np.ndarray) -> np.ndarray:
    """Elevation of a left point over its right twin, in image degrees, for points of
    shape ``(..., 2)``.

    ``atan2(y_right - y_left, |x_left - x_right|)`` with y pointing down: positive when the
    left point is higher in the image. Using ``|dx|`` makes it the same for front and back
    views. NaN where a point is missing.
    """
    return np.degrees(np.arctan2(right_xy_px[..., 1] - left_xy_px[..., 1],
                                 np.abs(left_xy_px[..., 0] - right_xy_px[..., 0])))


def hip_obliquity_deg(xy_px: np.ndarray) -> np.ndarray:
    """Elevation of the subject's left hip landmark over the right one, in image degrees
    (:func:`line_obliquity_deg` of the two hips): positive when the left hip is higher."""
    return line_obliquity_deg(xy_px[..., LEFT_HIP, :], xy_px[..., RIGHT_HIP, :])


def side_sign(lifted_side: str) -> float:
    """From a left-side-up obliquity to a drop on the lifted side: lifting the left foot,
    a lower left side (negative obliquity) is a positive drop."""
    return -1.0 if lifted_side == "left" else 1.0


def hip_dx_px(xy_px: np.ndarray) -> np.ndarray:
    """x of the left hip minus x of the right hip, in pixels: positive when the subject's
    left hip is on the image right (an unmirrored front view)."""
    return xy_px[..., LEFT_HIP, 0] - xy_px[..., RIGHT_HIP, 0]


def shoulder_dx_px(xy_px: np.ndarray) -> np.ndarray:
    """x of the left shoulder minus x of the right shoulder, in pixels."""
    return xy_px[..., LEFT_SHOULDER, 0] - xy_px[..., RIGHT_SHOULDER, 0]


def hip_width_px(xy_px: np.ndarray) -> np.ndarray:
    """Horizontal distance of the two hip landmarks, in pixels (the same in front and back
    views)."""
    return np.abs(hip_dx_px(xy_px))


def shoulder_width_px(xy_px: np.ndarray) -> np.ndarray:
    """Horizontal distance of the two shoulder landmarks, in pixels."""
    return np.abs(shoulder_dx_px(xy_px))


# --- trunk and legs ---------------------------------------------------------------------

def mid_hip_px(xy_px: np.ndarray) -> np.ndarray:
    """``(..., 2)`` midpoint of the two hip landmarks (NaN if either is missing)."""
    return xy_px[..., [LEFT_HIP, RIGHT_HIP], :].mean(axis=-2)


def mid_shoulder_px(xy_px: np.ndarray) -> np.ndarray:
    """``(..., 2)`` midpoint of the two shoulder landmarks (NaN if either is missing)."""
    return xy_px[..., [LEFT_SHOULDER, RIGHT_SHOULDER], :].mean(axis=-2)


def torso_length_px(xy_px: np.ndarray) -> np.ndarray:
    """Distance from the hip midpoint to the shoulder midpoint, in pixels."""
    return np.linalg.norm(mid_shoulder_px(xy_px) - mid_hip_px(xy_px), axis=-1)


def largest_offset_torso(xy_px: np.ndarray, reference_xy_px: np.ndarray) -> float:
    """The largest distance between the :data:`BODY_POINTS` of two poses ``(33, 2)`` of
    one frame, in torso lengths of ``reference_xy_px``; NaN when a pose lacks one of the
    points or the reference has no torso."""
    points = list(BODY_POINTS)
    a = np.asarray(xy_px, dtype=float)[points]
    b = np.asarray(reference_xy_px, dtype=float)[points]
    torso = float(torso_length_px(np.asarray(reference_xy_px, dtype=float)))
    if not (np.all(np.isfinite(a)) and np.all(np.isfinite(b)) and torso > 0):
        return float("nan")
    return float(np.max(np.linalg.norm(a - b, axis=1)) / torso)


def frontal_ratios(xy_px: np.ndarray) -> np.ndarray:
    """(hip width + shoulder width) / (2 x torso length): about 0 in a side view, NaN where
    it cannot be measured."""
    torso = torso_length_px(xy_px)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = (hip_width_px(xy_px) + shoulder_width_px(xy_px)) / (2 * torso)
    return np.where(torso > 0, ratio, np.nan)


def frontal_ratio(xy_px: np.ndarray) -> float:
    """Median :func:`frontal_ratios` over the frames of a series ``(N, 33, 2)``; NaN when
    no frame can be measured."""
    ratio = frontal_ratios(xy_px)
    return float(np.nanmedian(ratio)) if np.any(np.isfinite(ratio)) else float("nan")


def leg_lengths_px(xy_px: np.ndarray) -> np.ndarray:
    """``(..., 2)`` hip-to-ankle distance of the left and the right leg, in pixels."""
    return np.linalg.norm(xy_px[..., [LEFT_HIP, RIGHT_HIP], :]
                          - xy_px[..., [LEFT_ANKLE, RIGHT_ANKLE], :], axis=-1)


def leg_length_px(xy_px: np.ndarray) -> float:
    """Median hip-to-ankle distance over both legs and all frames of ``xy_px``, in pixels;
    NaN when no leg is seen."""
    legs = leg_lengths_px(xy_px)
    return float(np.nanmedian(legs)) if np.any(np.isfinite(legs)) else float("nan")


def ankle_raise_legs(xy_px: np.ndarray) -> float:
    """Height of the left ankle above the right one in one frame ``(33, 2)``, in leg
    lengths (the mean of the two hip-to-ankle distances); NaN if unknown."""
    legs = leg_lengths_px(xy_px)
    leg = float(np.nanmean(legs)) if np.any(np.isfinite(legs)) else float("nan")
    if not (np.isfinite(leg) and leg > 0):
        return float("nan")
    return float((xy_px[RIGHT_ANKLE, 1] - xy_px[LEFT_ANKLE, 1]) / leg)


def trunk_lean_toward_left_deg(xy_px: np.ndarray) -> np.ndarray:
    """``(N,)`` angle of the line from the hip midpoint to the shoulder midpoint against
    the image vertical, positive when the shoulders are toward the subject's left, for a
    series ``(N, 33, 2)``. Which image direction is the subject's left comes from the whole
    series (:func:`left_hip_image_direction`)."""
    v = mid_shoulder_px(xy_px) - mid_hip_px(xy_px)
    lean_image_right = np.degrees(np.arctan2(v[:, 0], -v[:, 1]))
    direction = left_hip_image_direction(xy_px)
    return lean_image_right * (direction if direction != 0 else 1.0)


# --- which way the subject faces ---------------------------------------------------------

def left_hip_image_direction(xy_px: np.ndarray) -> float:
    """Where the subject's left hip is over the frames of a series ``(N, 33, 2)``: +1.0 on
    the image right (a front view, unmirrored), -1.0 on the image left (a back view), 0.0
    when the hips coincide, NaN when they are never seen. The median over the frames."""
    dx = hip_dx_px(xy_px)
    dx = dx[np.isfinite(dx)]
    return float(np.sign(np.median(dx))) if dx.size else float("nan")


def camera_view(xy_px: np.ndarray, *, mirrored: bool = False) -> str:
    """"front" when the subject faces the camera, "back" when they turn their back to it,
    "unknown" when the hips cannot tell, for a series ``(N, 33, 2)`` whose labels are
    already corrected for ``mirrored`` (a mirrored picture puts the facing subject's left
    hip on the image left)."""
    direction = left_hip_image_direction(xy_px)
    if not np.isfinite(direction) or direction == 0:
        return "unknown"
    return "front" if (direction > 0) != mirrored else "back"
