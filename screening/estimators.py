"""Pelvic-drop estimators: per-frame drop of the pelvis for one hold.

Sign convention (used everywhere): **positive = the pelvis is lower on the lifted-leg
side**, in degrees, relative to the person's own two-leg baseline.

An estimator is any object with a ``name`` and a ``drop_deg(series, hold)`` method; it is
chosen by name with ``Config.estimator`` and can be swapped without touching the rest.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np

from .landmarks import LEFT_HIP, RIGHT_HIP, LandmarkSeries
from .phases import Hold


def hip_line_obliquity_deg(series: LandmarkSeries) -> np.ndarray:
    """(N,) elevation of the subject's left hip over the right, in image degrees.

    ``atan2(y_right - y_left, |x_left - x_right|)`` with y pointing down: positive when the
    left hip is higher in the image. Using ``|dx|`` makes it the same for front and back
    views (the left hip is on the image right in a front view, on the image left in a back
    view).
    """
    left = series.xy_px[:, LEFT_HIP]
    right = series.xy_px[:, RIGHT_HIP]
    return np.degrees(np.arctan2(right[:, 1] - left[:, 1], np.abs(left[:, 0] - right[:, 0])))


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
