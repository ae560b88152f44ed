"""Estimator registry and the corrected estimator on hand-made landmark series (no model)."""

from __future__ import annotations

import numpy as np
import pytest

from screening.config import Config
from screening.estimators import (
    ESTIMATORS,
    CorrectedEstimator,
    HipLineEstimator,
    get_estimator,
    leg_lowering_deg,
)
from screening.landmarks import (
    LEFT_ANKLE,
    LEFT_HIP,
    LEFT_KNEE,
    LEFT_SHOULDER,
    RIGHT_ANKLE,
    RIGHT_HIP,
    RIGHT_KNEE,
    RIGHT_SHOULDER,
    LandmarkSeries,
)
from screening.phases import Hold

FPS = 15.0
HIP_W = 80.0


def standing_series(n: int = 120, *, lift_knee_px: float = 0.0, leg_down_px=None,
                    hold=(34, 98)) -> LandmarkSeries:
    """A front view: subject's left on the image right; the left leg is lifted during
    ``hold`` by ``lift_knee_px`` and lowered by ``leg_down_px[i]`` (hip width 80 px)."""
    xy = np.full((n, 33, 2), np.nan)
    cx = 300.0
    pts = {RIGHT_SHOULDER: (cx - 60, 300), LEFT_SHOULDER: (cx + 60, 300),
           RIGHT_HIP: (cx - HIP_W / 2, 500), LEFT_HIP: (cx + HIP_W / 2, 500),
           RIGHT_KNEE: (cx - 40, 700), LEFT_KNEE: (cx + 40, 700),
           RIGHT_ANKLE: (cx - 40, 900), LEFT_ANKLE: (cx + 40, 900)}
    for j, (x, y) in pts.items():
        xy[:, j] = (x, y)
    down = np.zeros(n) if leg_down_px is None else np.asarray(leg_down_px, float)
    a, b = hold
    xy[a:b, LEFT_KNEE, 1] -= lift_knee_px - down[a:b]
    xy[a:b, LEFT_ANKLE, 1] -= 2 * lift_knee_px - down[a:b]
    ones = np.ones((n, 33))
    return LandmarkSeries(t_s=np.arange(n) / FPS, xy_px=xy, visibility=ones, presence=ones,
                          world_xyz_m=np.zeros((n, 33, 3)), n_people=np.ones(n, int),
                          luma_mean=np.full(n, 120.0), width_px=600, height_px=1000)


HOLD = Hold("left", lift_start=28, hold_start=34, hold_end=98, lift_end=104, baseline=(0, 20))


def test_both_estimators_are_registered_and_plain_is_default():
    assert {"hip_line", "corrected"} <= set(ESTIMATORS)
    assert isinstance(get_estimator("hip_line"), HipLineEstimator)
    assert isinstance(get_estimator("corrected"), CorrectedEstimator)
    with pytest.raises(ValueError, match="corrected"):
        get_estimator("no_such_estimator")
    assert Config().estimator in ESTIMATORS


def test_lowering_of_the_lifted_leg_reads_as_drop():
    # the lifted leg goes down by hip_width * sin(6 deg) during the second half of the hold
    down = np.zeros(120)
    down[60:98] = HIP_W * np.sin(np.radians(6.0))
    series = standing_series(lift_knee_px=60, leg_down_px=down)
    est = CorrectedEstimator()
    drop = est.drop_deg(series, HOLD)
    start = np.median(drop[34:38])
    late = np.median(drop[70:98])
    assert late - start == pytest.approx(6.0 * est.coefficients.leg_gain, abs=0.05)


def test_knee_lift_correction_cancels_a_pull_on_a_level_pelvis():
    series = standing_series(lift_knee_px=60)
    # MediaPipe-like pull: the swing-side (left) hip landmark goes up with the knee lift
    knee_lift = 60 / 400  # leg length 400 px
    pull_deg = CorrectedEstimator().coefficients.lift_gain_deg * knee_lift
    xy = series.xy_px.copy()
    xy[34:98, LEFT_HIP, 1] -= HIP_W * np.tan(np.radians(pull_deg))
    series = series.with_values(xy_px=xy)
    plain = HipLineEstimator().drop_deg(series, HOLD)[34:98]
    corrected = CorrectedEstimator().drop_deg(series, HOLD)[34:98]
    assert np.median(plain) == pytest.approx(-pull_deg, abs=0.1)
    assert abs(np.median(corrected)) < 0.2


def test_no_baseline_gives_nan():
    hold = Hold("left", 28, 34, 98, 104, None)
    assert np.all(np.isnan(CorrectedEstimator().drop_deg(standing_series(), hold)))


def test_leg_lowering_is_zero_at_reference():
    h = np.r_[np.full(5, 1.0), np.full(5, 1.0 - np.sin(np.radians(4.0)))]
    out = leg_lowering_deg(h, slice(0, 5))
    assert out[:5] == pytest.approx(0.0)
    assert out[5:] == pytest.approx(4.0)
