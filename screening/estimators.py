"""Pelvic-drop estimators: per-frame drop of the pelvis for one hold.

Sign convention (used everywhere): **positive = the pelvis is lower on the lifted-leg
side**, in degrees, relative to the person's own two-leg baseline.

An estimator is any object with a ``name`` and a ``drop_deg(series, hold)`` method; it is
chosen by name with ``config.measurement.estimator`` and can be swapped without touching the rest.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np

from .config import MeasurementConfig
from .geometry import hip_obliquity_deg, hip_width_px, side_sign
from .landmarks import (
    LEFT_ANKLE,
    LEFT_FOOT,
    LEFT_HEEL,
    LEFT_KNEE,
    RIGHT_ANKLE,
    RIGHT_FOOT,
    RIGHT_HEEL,
    RIGHT_KNEE,
    LandmarkSeries,
)
from .phases import Hold, relative_to_baseline


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
        obliquity = relative_to_baseline(hip_obliquity_deg(series.xy_px), hold)
        return side_sign(hold.lifted_side) * obliquity


ESTIMATORS: dict[str, DropEstimator] = {HipLineEstimator.name: HipLineEstimator()}


def get_estimator(name: str) -> DropEstimator:
    try:
        return ESTIMATORS[name]
    except KeyError:
        raise ValueError(f"Unknown pelvic-drop estimator {name!r}; "
                         f"choose one of {sorted(ESTIMATORS)}") from None


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
# * the reference is taken over the first ``ref_s`` after the lift is first seen (the
#   foot passes the lift threshold): the highest height of each point, and the median
#   hip line. The foot is still rising in the first frames, so its peak, not its first
#   value, is the reference. The same rule runs live (the webcam test) and offline;
# * lowering(t) = asin(ref - height(t)), per point, then the mean of the points that
#   are tracked in that frame;
# * hip_change(t) = hip_line(t) - the reference hip line: how far the plain hip line has
#   moved since foot-off. At foot-off the hip line carries the pull of the lifted leg on
#   its hip landmark (a false rise that grows with the knee lift), so its change since
#   then is a cleaner cue than its value;
# * drop(t) = leg_gain * lowering(t) + hip_gain * hip_change(t) during the hold.
#
# leg_gain < 1 because the lifted foot is closer to the camera than the hips (it looks a
# little bigger) and the MediaPipe hip width differs from the hip-joint width; hip_gain
# adds what the hip landmarks see of the drop. No intercept: a level pelvis with the leg
# held still reads 0 on both parts.
#
# Assumptions, and what breaks them (docs/VALIDATION.md measures each):
# * the lifted leg keeps its posture during the hold: a foot that sinks reads as a drop,
#   a foot lifted higher as a rise;
# * the pelvis is level at foot-off: both parts are measured from foot-off, so a drop
#   already there when the foot leaves the floor (and held) is not seen.

LEG_POINTS = ("foot", "ankle")
_LEG_LANDMARKS = {"foot": (LEFT_FOOT, RIGHT_FOOT), "heel": (LEFT_HEEL, RIGHT_HEEL),
                  "ankle": (LEFT_ANKLE, RIGHT_ANKLE), "knee": (LEFT_KNEE, RIGHT_KNEE)}


@dataclass(frozen=True)
class LegCoefficients:
    """Coefficients of :class:`LegEstimator` (units in the names)."""

    leg_gain: float                    # deg of drop per deg of lifted-leg lowering
    hip_gain: float                    # deg of drop per deg of hip-line change since foot-off
    ref_s: float = 1.0                 # reference window after the lift is first seen
    points: tuple[str, ...] = LEG_POINTS


# Fitted by ``python -m validation.fit_leg --set TRAIN --set DEV`` on 95 rendered clips:
# the project's own 72 (tools/synth, 63 front and 9 back views) and the 23 of the dev set
# (../shared/synthetic/dev), landmarks at the default 960 px pose input; least squares
# through the origin of the true hold-median drop on the hold medians of the two parts.
# Scores on clips not fitted on come from leave-one-body-out refits and from fitting on
# one set and scoring the other (docs/VALIDATION.md); across the 21 leave-one-body-out
# refits the gains stayed within leg 0.662-0.680, hip 0.369-0.427.
LEG_FIT = LegCoefficients(leg_gain=0.671, hip_gain=0.399)


@dataclass(frozen=True)
class TwoLegBaseline:
    """What the two-leg stance before (or after) a hold gives the estimators: medians
    over its frames."""

    hip_obliquity_deg: float   # :func:`~screening.geometry.hip_obliquity_deg` (left hip up +)
    hip_width_px: float        # :func:`~screening.geometry.hip_width_px`

    @classmethod
    def from_frames(cls, xy_px: np.ndarray) -> TwoLegBaseline:
        """From landmarks ``xy_px`` (K, 33, 2) of two-leg frames (NaN where unknown)."""
        def median(values: np.ndarray) -> float:
            values = values[np.isfinite(values)]
            return float(np.median(values)) if values.size else float("nan")

        return cls(hip_obliquity_deg=median(hip_obliquity_deg(xy_px)),
                   hip_width_px=median(hip_width_px(xy_px)))

    @property
    def usable(self) -> bool:
        return np.isfinite(self.hip_obliquity_deg) and self.hip_width_px > 0


def hold_baseline(series: LandmarkSeries, hold: Hold) -> TwoLegBaseline | None:
    """The two-leg baseline of ``hold`` (None without one, or when it is unusable)."""
    if hold.baseline is None:
        return None
    baseline = TwoLegBaseline.from_frames(series.xy_px[slice(*hold.baseline)])
    return baseline if baseline.usable else None


class LegStream:
    """The leg estimator for one hold, frame by frame: the one implementation that the
    recording's analysis (:class:`LegEstimator`) and the live webcam test both run.

    Feed every frame from the moment the lift is first seen with :meth:`add`; it returns
    the drop of that frame, or NaN while the reference is still being taken (the first
    ``ref_s``) or when the frame lacks the landmarks.
    """

    def __init__(self, lifted_side: str, baseline: TwoLegBaseline, lift_seen_s: float,
                 coefficients: LegCoefficients = LEG_FIT) -> None:
        self.lifted_side = lifted_side
        self.baseline = baseline
        self.lift_seen_s = lift_seen_s
        self.c = coefficients
        self._lifted = 0 if lifted_side == "left" else 1
        self._ref_heights: list[np.ndarray] = []
        self._ref_hips: list[float] = []
        self.ref_height: np.ndarray | None = None  # per point, in hip widths
        self.ref_hip_deg = float("nan")

    def heights(self, xy_px: np.ndarray) -> np.ndarray:
        """(P,) height of each lifted-leg point above the stance ankle, in hip widths."""
        stance_ankle_y = xy_px[(LEFT_ANKLE, RIGHT_ANKLE)[1 - self._lifted], 1]
        return np.array([(stance_ankle_y - xy_px[_LEG_LANDMARKS[p][self._lifted], 1])
                         / self.baseline.hip_width_px for p in self.c.points])

    def hip_drop_deg(self, xy_px: np.ndarray) -> float:
        """The plain hip-line drop of one frame against the baseline."""
        return side_sign(self.lifted_side) * float(
            hip_obliquity_deg(xy_px) - self.baseline.hip_obliquity_deg)

    @property
    def reference_ready(self) -> bool:
        return self.ref_height is not None

    def add(self, t_s: float, xy_px: np.ndarray) -> float:
        """Take one frame (landmarks (33, 2)); returns its drop, NaN while the reference
        is being taken."""
        if not self.reference_ready:
            if t_s <= self.lift_seen_s + self.c.ref_s:
                self._ref_heights.append(self.heights(xy_px))
                self._ref_hips.append(self.hip_drop_deg(xy_px))
                return float("nan")
            self.finish_reference()
        return self.drop_deg(xy_px)

    def finish_reference(self) -> None:
        """Fix the reference from the frames taken so far (NaN parts stay NaN)."""
        heights = np.array(self._ref_heights).reshape(-1, len(self.c.points))
        hips = np.array(self._ref_hips, dtype=float)
        with np.errstate(all="ignore"):
            self.ref_height = np.array([np.nanmax(col) if np.isfinite(col).any() else np.nan
                                        for col in heights.T])
            self.ref_hip_deg = (float(np.nanmedian(hips)) if np.isfinite(hips).any()
                                else float("nan"))

    def parts_deg(self, xy_px: np.ndarray) -> tuple[float, float]:
        """(lowering of the lifted leg, hip-line change) of one frame against the
        (finished) reference, in degrees; NaN where the frame lacks the landmarks."""
        lowering = np.degrees(np.arcsin(np.clip(self.ref_height - self.heights(xy_px),
                                                -1.0, 1.0)))
        lowering = lowering[np.isfinite(lowering)]
        return (float(lowering.mean()) if lowering.size else float("nan"),
                self.hip_drop_deg(xy_px) - self.ref_hip_deg)

    def drop_deg(self, xy_px: np.ndarray) -> float:
        """The drop of one frame against the (finished) reference."""
        lowering, hip_change = self.parts_deg(xy_px)
        return self.c.leg_gain * lowering + self.c.hip_gain * hip_change


class LegEstimator:
    """Lowering of the lifted leg from its peak just after foot-off, plus a share of the
    change of the plain hip line since then (see the comment block above and
    docs/VALIDATION.md)."""

    name = "leg"
    description = ("lowering of the lifted leg during the hold (from its highest point just "
                   "after the foot left the floor) plus a share of the hip-line change since "
                   "then")

    def __init__(self, coefficients: LegCoefficients = LEG_FIT) -> None:
        self.coefficients = coefficients

    def parts(self, series: LandmarkSeries, hold: Hold) -> LegStream | None:
        """The hold's stream with its reference taken (None without a usable baseline)."""
        baseline = hold_baseline(series, hold)
        if baseline is None:
            return None
        t, xy = series.t_s, series.xy_px
        stream = LegStream(hold.lifted_side, baseline, float(t[hold.lift_start]),
                           self.coefficients)
        i = hold.lift_start
        while i < hold.hold_end and t[i] <= stream.lift_seen_s + self.coefficients.ref_s:
            stream.add(float(t[i]), xy[i])
            i += 1
        stream.finish_reference()
        return stream

    def drop_deg(self, series: LandmarkSeries, hold: Hold) -> np.ndarray:
        # outside the hold the leg is moving on purpose: only the plain hip line is given
        drop = HipLineEstimator().drop_deg(series, hold)
        stream = self.parts(series, hold)
        if stream is None:
            return drop
        # offline, the frames inside the reference window are measured against it too
        for i in range(hold.hold_start, hold.hold_end):
            drop[i] = stream.drop_deg(series.xy_px[i])
        return drop


ESTIMATORS[LegEstimator.name] = LegEstimator()


# --- Typical error of each kind of evidence ----------------------------------------------
#
# The held-out mean absolute error of each evidence on rendered clips that no fit has seen
# (docs/VALIDATION.md gives the sets and the commands). A hold carries the value of the
# evidence its drop rests on, and the decision says so when the drop lies within it of a
# threshold. Estimators without a measured value carry NaN.
# * markers: 0.25 deg on the 6 clips of the marker development set (front and back views,
#   a drop at foot-off, a sinking and a rising free leg, a hip hike, a hand over a marker),
#   rounded up;
# * leg: 3.42 deg on the 32 clips with realistic motions (the 8 of ../shared/synthetic/dev_v2
#   and the 24 of the project's fit_v3 set; the leg gains were not fitted on either); 3.50
#   with the steady pose rate (video.steady_pose_fps), which moves single clips by about
#   half a degree either way (docs/VALIDATION.md), so the value is kept;
# * hip_line: 7.03 deg on the 23 clips of ../shared/synthetic/dev (no fit).
TYPICAL_ERROR_DEG = {
    "markers": 0.3,
    "leg": 3.4,
    "hip_line": 7.0,
}


def uncertainty_deg(estimator_name: str) -> float:
    """Typical error (held-out MAE, degrees) of ``estimator_name``; NaN when unknown."""
    return TYPICAL_ERROR_DEG.get(estimator_name, float("nan"))


def typical_error_deg(recorded_deg: float | None) -> float:
    """The typical error a result recorded for its drop (``uncertainty_deg``), else, for a
    result recorded before that field existed, the default estimator's."""
    if recorded_deg is not None:
        return float(recorded_deg)
    return uncertainty_deg(MeasurementConfig().estimator)
