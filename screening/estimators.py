"""Pelvic-drop estimators: per-frame drop of the pelvis for one hold.

Sign convention (used everywhere): **positive = the pelvis is lower on the lifted-leg
side**, in degrees, relative to the person's own two-leg baseline.

An estimator is any object with a ``name`` and a ``drop_deg(series, hold)`` method; it is
chosen by name with ``Config.estimator`` and can be swapped without touching the rest.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np

from .landmarks import (
    LEFT_ANKLE,
    LEFT_FOOT,
    LEFT_HEEL,
    LEFT_HIP,
    LEFT_KNEE,
    RIGHT_ANKLE,
    RIGHT_FOOT,
    RIGHT_HEEL,
    RIGHT_HIP,
    RIGHT_KNEE,
    LandmarkSeries,
)
from .phases import Hold


def hip_obliquity_deg(xy_px: np.ndarray) -> np.ndarray:
    """Elevation of the subject's left hip over the right, in image degrees, for landmarks
    ``xy_px`` of shape (..., 33, 2): one frame (33, 2) or a series (N, 33, 2).

    ``atan2(y_right - y_left, |x_left - x_right|)`` with y pointing down: positive when the
    left hip is higher in the image. Using ``|dx|`` makes it the same for front and back
    views (the left hip is on the image right in a front view, on the image left in a back
    view). NaN where a hip is missing.
    """
    left = xy_px[..., LEFT_HIP, :]
    right = xy_px[..., RIGHT_HIP, :]
    return np.degrees(np.arctan2(right[..., 1] - left[..., 1],
                                 np.abs(left[..., 0] - right[..., 0])))


def hip_line_obliquity_deg(series: LandmarkSeries) -> np.ndarray:
    """(N,) :func:`hip_obliquity_deg` of every frame of ``series``."""
    return hip_obliquity_deg(series.xy_px)


def relative_to_baseline(values: np.ndarray, hold: Hold) -> np.ndarray:
    """``values`` minus their median over the hold's two-leg baseline (NaN if none)."""
    if hold.baseline is None:
        return np.full_like(values, np.nan)
    start, stop = hold.baseline
    base = values[start:stop]
    if not np.any(np.isfinite(base)):
        return np.full_like(values, np.nan)
    return values - np.nanmedian(base)


def side_sign(lifted_side: str) -> float:
    """Left-hip-up obliquity -> drop: lifting the left foot, a lower left hip is a drop."""
    return -1.0 if lifted_side == "left" else 1.0


class DropEstimator(Protocol):
    name: str
    description: str

    def drop_deg(self, series: LandmarkSeries, hold: Hold) -> np.ndarray:
        """(N,) pelvic drop for every frame of ``series``, for the lifted side of ``hold``."""


class HipLineEstimator:
    """The plain estimator: the line through MediaPipe's two hip landmarks.

    Known to under-read the true drop (slope ~0.4 overall on rendered ground truth,
    near-blind when the trunk stays upright); see docs/MEASUREMENT.md.
    """

    name = "hip_line"
    description = "angle of the line through the two hip landmarks, minus its two-leg baseline"

    def drop_deg(self, series: LandmarkSeries, hold: Hold) -> np.ndarray:
        obliquity = relative_to_baseline(hip_line_obliquity_deg(series), hold)
        return side_sign(hold.lifted_side) * obliquity


ESTIMATORS: dict[str, DropEstimator] = {HipLineEstimator.name: HipLineEstimator()}


def get_estimator(name: str) -> DropEstimator:
    try:
        return ESTIMATORS[name]
    except KeyError:
        raise ValueError(f"Unknown pelvic-drop estimator {name!r}; "
                         f"choose one of {sorted(ESTIMATORS)}") from None


# --- The corrected estimator -------------------------------------------------------------
#
# Why the plain hip line under-reads (rendered ground truth, docs/VALIDATION.md):
# 1. lifting the swing leg pulls MediaPipe's swing-side hip landmark up, so the hip line
#    reads a "rise" that grows with how high the knee is lifted;
# 2. the hip landmarks follow the trunk more than the pelvis: a trunk leaning over the
#    stance leg tilts the hip line although the pelvis stays level, and with an upright
#    trunk the hip line hardly sees a real drop.
# What does see the pelvis whatever the trunk does is the lifted leg: it hangs from the
# swing-side hip joint, so when the pelvis drops by d the lifted knee and ankle go down
# by about (hip width) x sin(d) relative to the stance foot, as long as the leg is held
# in the same flexion.
#
# The estimator therefore has two parts:
# * at the start of the hold (first ``ref_window_s``), the hip line against the two-leg
#   baseline, corrected for the leg-lift pull and the trunk lean:
#       adjusted = hip_line + lean_gain * trunk_lean + lift_gain_deg * knee_lift + offset
#   (knee_lift: lifted knee above the stance knee, in leg lengths, minus its baseline);
# * during the hold, how far the lifted leg has gone down since then, as an angle:
#       leg_gain * asin(lowering / hip width).
# It assumes the lifted leg keeps its flexion during the hold; a drop that happens at the
# moment of lifting is only seen through the (weak) adjusted hip line.


@dataclass(frozen=True)
class CorrectionCoefficients:
    """Coefficients of :class:`CorrectedEstimator` (units in the names)."""

    lean_gain: float          # deg of hip line per deg of trunk lean toward the stance side
    lift_gain_deg: float      # deg of hip-line pull per leg length of knee lift
    offset_deg: float
    leg_gain: float           # deg of drop per deg of lifted-leg lowering
    ref_window_s: float = 0.3


# Fitted by ``python -m validation.fit_corrected`` on all 23 clips of the rendered dev set
# (/work/shared/synthetic/dev). Scores of this model on clips it was not fitted on come
# from leave-one-body-out refits (docs/VALIDATION.md).
DEV_FIT = CorrectionCoefficients(lean_gain=0.547, lift_gain_deg=25.21, offset_deg=0.035,
                                 leg_gain=0.830)


def _lifted_and_stance(hold: Hold) -> tuple[dict[str, int], dict[str, int]]:
    left = {"hip": LEFT_HIP, "knee": LEFT_KNEE, "ankle": LEFT_ANKLE}
    right = {"hip": RIGHT_HIP, "knee": RIGHT_KNEE, "ankle": RIGHT_ANKLE}
    return (left, right) if hold.lifted_side == "left" else (right, left)


def correction_features(series: LandmarkSeries, hold: Hold) -> dict[str, np.ndarray]:
    """(N,) per-frame inputs of the corrected estimator for one hold.

    ``hip_drop_deg``: plain hip-line drop; ``lean_deg``: trunk lean toward the stance side
    (as reported in the results); ``knee_lift``: lifted knee above the stance knee, in leg
    lengths, relative to the baseline; ``leg_height``: mean height of the lifted knee and
    ankle above the stance ankle, in baseline hip widths. All NaN without a baseline.
    """
    from .metrics import trunk_lean_deg  # metrics imports this module

    n = len(series)
    nan = np.full(n, np.nan)
    if hold.baseline is None:
        return {"hip_drop_deg": nan, "lean_deg": nan, "knee_lift": nan, "leg_height": nan}
    lifted, stance = _lifted_and_stance(hold)
    xy = series.xy_px
    base = slice(*hold.baseline)
    hip_width = np.nanmedian(np.abs(xy[base, LEFT_HIP, 0] - xy[base, RIGHT_HIP, 0]))
    leg = np.nanmedian(np.linalg.norm(xy[base, stance["hip"]] - xy[base, stance["ankle"]],
                                      axis=1))
    stance_ankle_y = xy[:, stance["ankle"], 1]
    knee_lift = (xy[:, stance["knee"], 1] - xy[:, lifted["knee"], 1]) / leg
    leg_height = (2 * stance_ankle_y - xy[:, lifted["knee"], 1] - xy[:, lifted["ankle"], 1]) \
        / (2 * hip_width)
    return {
        "hip_drop_deg": HipLineEstimator().drop_deg(series, hold),
        "lean_deg": trunk_lean_deg(series, hold),
        "knee_lift": relative_to_baseline(knee_lift, hold),
        "leg_height": leg_height,
    }


def reference_window(series: LandmarkSeries, hold: Hold, window_s: float) -> slice:
    """Frames of the first ``window_s`` of the hold (at least one frame)."""
    t = series.t_s
    stop = hold.hold_start + int(np.searchsorted(t[hold.hold_start:hold.hold_end],
                                                 t[hold.hold_start] + window_s))
    return slice(hold.hold_start, max(stop, hold.hold_start + 1))


def leg_lowering_deg(leg_height: np.ndarray, ref: slice) -> np.ndarray:
    """How far the lifted leg went down since ``ref``, as asin(lowering / hip width)."""
    base = np.nanmedian(leg_height[ref]) if np.any(np.isfinite(leg_height[ref])) else np.nan
    return np.degrees(np.arcsin(np.clip(base - leg_height, -1.0, 1.0)))


class CorrectedEstimator:
    """Hip line corrected for leg-lift pull and trunk lean, plus the lowering of the lifted
    leg during the hold (see the comment block above and docs/VALIDATION.md)."""

    name = "corrected"
    description = ("hip line corrected for leg-lift pull and trunk lean at the start of the "
                   "hold, plus the lowering of the lifted leg during the hold")

    def __init__(self, coefficients: CorrectionCoefficients = DEV_FIT) -> None:
        self.coefficients = coefficients

    def adjusted_hip_deg(self, f: dict[str, np.ndarray]) -> np.ndarray:
        c = self.coefficients
        return (f["hip_drop_deg"] + c.lean_gain * f["lean_deg"]
                + c.lift_gain_deg * f["knee_lift"] + c.offset_deg)

    def drop_deg(self, series: LandmarkSeries, hold: Hold) -> np.ndarray:
        c = self.coefficients
        f = correction_features(series, hold)
        drop = self.adjusted_hip_deg(f)  # outside the hold: the adjusted hip line
        ref = reference_window(series, hold, c.ref_window_s)
        if not np.any(np.isfinite(drop[ref])):
            return drop
        start = float(np.nanmedian(drop[ref]))
        sl = slice(hold.hold_start, hold.hold_end)
        drop[sl] = start + c.leg_gain * leg_lowering_deg(f["leg_height"], ref)[sl]
        return drop


ESTIMATORS[CorrectedEstimator.name] = CorrectedEstimator()


# --- The leg estimator -------------------------------------------------------------------
#
# The lifted leg hangs from the swing-side hip joint. When the pelvis drops by d about the
# stance hip, the swing hip joint goes down by (hip-joint width) x sin(d), and the lifted
# foot, held in the same flexion, goes down with it, relative to the stance foot on the
# floor. So the lowering of the lifted foot, in hip widths, is sin(d) whatever the trunk
# does -- the trunk moves the hip landmarks, not the leg. On the rendered ground truth the
# true ankle joint follows this to within a few tenths of a degree; MediaPipe's landmarks
# add noise, and its hip-landmark width is 0.78-0.93 x the hip-joint width.
#
# * height(t) = (y stance ankle - y lifted point) / baseline hip width, for the lifted
#   foot index and ankle landmarks (the knee and heel were tried: the knee is noisier,
#   the heel is often hidden behind the flexed lifted foot);
# * ref = the highest height around the end of the lift, within [hold start - 0.3 s,
#   hold start + 0.6 s]: the leg is often still rising in the first frames of the hold,
#   so the first frames alone are not the reference;
# * lowering(t) = asin(ref - height(t)), per point, then the mean of the points that
#   are tracked in that frame: two landmarks on the same foot halve the landmark noise
#   that a single one carries, and one is left when the other is not tracked;
# * hip_change(t) = hip_line(t) - the median hip line over the same reference window:
#   how far the plain hip line has moved since foot-off. At foot-off the hip line carries
#   the pull of the lifted leg on its hip landmark (a false rise that grows with the knee
#   lift), so its change since then is a cleaner cue than its value;
# * drop(t) = leg_gain * lowering(t) + hip_gain * hip_change(t) during the hold.
#
# leg_gain < 1 because the lifted foot is closer to the camera than the hips (it looks a
# little bigger) and the MediaPipe hip width differs from the hip-joint width; hip_gain
# adds what the hip landmarks see of the drop. No intercept: a level pelvis with the leg
# held still reads 0 on both parts.
#
# Limits: it assumes the lifted leg keeps its posture during the hold; a foot that sags
# reads as a drop, a foot lifted higher as a rise. Both parts are measured from foot-off,
# so a drop already present at foot-off (and held unchanged) is not seen.

LEG_POINTS = ("foot", "ankle")
_LEG_LANDMARKS = {"foot": (LEFT_FOOT, RIGHT_FOOT), "heel": (LEFT_HEEL, RIGHT_HEEL),
                  "ankle": (LEFT_ANKLE, RIGHT_ANKLE), "knee": (LEFT_KNEE, RIGHT_KNEE)}


@dataclass(frozen=True)
class LegCoefficients:
    """Coefficients of :class:`LegEstimator` (units in the names)."""

    leg_gain: float                    # deg of drop per deg of lifted-leg lowering
    hip_gain: float                    # deg of drop per deg of hip-line change since foot-off
    ref_before_s: float = 0.3          # reference window around the hold start
    ref_after_s: float = 0.6
    points: tuple[str, ...] = LEG_POINTS


# Fitted by ``python -m validation.fit_leg --set TRAIN --set DEV`` on 95 rendered clips:
# the project's own 72 (tools/synth, 63 front and 9 back views) and the 23 of the dev set
# (/work/shared/synthetic/dev), landmarks at the default 960 px pose input; least squares
# through the origin of the true hold-median drop on the hold medians of the two parts.
# Scores on clips not fitted on come from leave-one-body-out refits and from fitting on
# one set and scoring the other (docs/VALIDATION.md); across the 21 leave-one-body-out
# refits the gains stayed within leg 0.662-0.680, hip 0.369-0.427.
LEG_FIT = LegCoefficients(leg_gain=0.671, hip_gain=0.399)


def lifted_leg_heights(series: LandmarkSeries, hold: Hold,
                       points: tuple[str, ...] = LEG_POINTS) -> dict[str, np.ndarray]:
    """(N,) height of each lifted-leg point above the stance ankle, in baseline hip widths.

    All NaN without a two-leg baseline or a usable baseline hip width.
    """
    n = len(series)
    nan = {p: np.full(n, np.nan) for p in points}
    if hold.baseline is None:
        return nan
    xy = series.xy_px
    base = slice(*hold.baseline)
    widths = np.abs(xy[base, LEFT_HIP, 0] - xy[base, RIGHT_HIP, 0])
    if not np.any(np.isfinite(widths)):
        return nan
    hip_width = float(np.nanmedian(widths))
    if not hip_width > 0:
        return nan
    lifted = 0 if hold.lifted_side == "left" else 1
    stance_ankle_y = xy[:, (LEFT_ANKLE, RIGHT_ANKLE)[1 - lifted], 1]
    return {p: (stance_ankle_y - xy[:, _LEG_LANDMARKS[p][lifted], 1]) / hip_width
            for p in points}


def reference_mask(t_s: np.ndarray, hold: Hold, before_s: float, after_s: float
                   ) -> np.ndarray:
    """(N,) True for the frames within [hold start - before_s, hold start + after_s]."""
    if len(t_s) == 0 or not 0 <= hold.hold_start < len(t_s):
        return np.zeros(len(t_s), dtype=bool)
    t0 = t_s[hold.hold_start]
    return (t_s >= t0 - before_s) & (t_s <= t0 + after_s)


def peak_reference(height: np.ndarray, t_s: np.ndarray, hold: Hold, before_s: float,
                   after_s: float) -> float:
    """Highest ``height`` within [hold start - before_s, hold start + after_s]; NaN if none."""
    window = height[reference_mask(t_s, hold, before_s, after_s)]
    window = window[np.isfinite(window)]
    return float(window.max()) if window.size else float("nan")


def hip_change_deg(hip_line_deg: np.ndarray, t_s: np.ndarray, hold: Hold,
                   coefficients: LegCoefficients = LEG_FIT) -> np.ndarray:
    """(N,) hip-line drop minus its median over the reference window around foot-off
    (all NaN when that window has no finite value)."""
    window = hip_line_deg[reference_mask(t_s, hold, coefficients.ref_before_s,
                                         coefficients.ref_after_s)]
    window = window[np.isfinite(window)]
    if not window.size:
        return np.full(len(hip_line_deg), np.nan)
    return hip_line_deg - float(np.median(window))


def lowering_from_peak_deg(series: LandmarkSeries, hold: Hold,
                           coefficients: LegCoefficients = LEG_FIT) -> np.ndarray:
    """(N,) lowering of the lifted leg below its peak reference, asin(ref - height) in
    degrees, averaged over the tracked points of each frame (NaN where none is tracked)."""
    c = coefficients
    heights = lifted_leg_heights(series, hold, c.points)
    lowerings = []
    for height in heights.values():
        ref = peak_reference(height, series.t_s, hold, c.ref_before_s, c.ref_after_s)
        lowerings.append(np.degrees(np.arcsin(np.clip(ref - height, -1.0, 1.0))))
    stacked = np.array(lowerings).reshape(len(lowerings), len(series))
    out = np.full(len(series), np.nan)
    tracked = np.isfinite(stacked).any(axis=0)
    if tracked.any():
        out[tracked] = np.nanmean(stacked[:, tracked], axis=0)
    return out


class LegEstimator:
    """Lowering of the lifted leg from its peak around foot-off, plus a share of the change
    of the plain hip line since foot-off (see the comment block above and
    docs/VALIDATION.md)."""

    name = "leg"
    description = ("lowering of the lifted leg during the hold (from its highest point at "
                   "the end of the lift) plus a share of the hip-line change since foot-off")

    def __init__(self, coefficients: LegCoefficients = LEG_FIT) -> None:
        self.coefficients = coefficients

    def drop_deg(self, series: LandmarkSeries, hold: Hold) -> np.ndarray:
        c = self.coefficients
        # outside the hold the leg is moving on purpose: only the plain hip line is given
        drop = HipLineEstimator().drop_deg(series, hold)
        sl = slice(hold.hold_start, hold.hold_end)
        lowering = lowering_from_peak_deg(series, hold, c)
        hip_change = hip_change_deg(drop, series.t_s, hold, c)
        drop[sl] = c.leg_gain * lowering[sl] + c.hip_gain * hip_change[sl]
        return drop


ESTIMATORS[LegEstimator.name] = LegEstimator()
