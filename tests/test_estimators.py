"""Estimator registry, the hip-line and the leg estimators on hand-made landmark series
(no model)."""

from __future__ import annotations

import numpy as np
import pytest

from screening.config import Config
from screening.estimators import (
    ESTIMATORS,
    HipLineEstimator,
    LegEstimator,
    get_estimator,
)
from screening.landmarks import (
    LEFT_ANKLE,
    LEFT_FOOT,
    LEFT_HIP,
    LEFT_KNEE,
    LEFT_SHOULDER,
    RIGHT_ANKLE,
    RIGHT_FOOT,
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
           RIGHT_ANKLE: (cx - 40, 900), LEFT_ANKLE: (cx + 40, 900),
           RIGHT_FOOT: (cx - 40, 930), LEFT_FOOT: (cx + 40, 930)}
    for j, (x, y) in pts.items():
        xy[:, j] = (x, y)
    down = np.zeros(n) if leg_down_px is None else np.asarray(leg_down_px, float)
    a, b = hold
    xy[a:b, LEFT_KNEE, 1] -= lift_knee_px - down[a:b]
    xy[a:b, LEFT_ANKLE, 1] -= 2 * lift_knee_px - down[a:b]
    xy[a:b, LEFT_FOOT, 1] -= 2 * lift_knee_px - down[a:b]
    ones = np.ones((n, 33))
    return LandmarkSeries(t_s=np.arange(n) / FPS, xy_px=xy, visibility=ones, presence=ones,
                          world_xyz_m=np.zeros((n, 33, 3)), n_people=np.ones(n, int),
                          luma_mean=np.full(n, 120.0), width_px=600, height_px=1000)


HOLD = Hold("left", lift_start=28, hold_start=34, hold_end=98, lift_end=104, baseline=(0, 20))


def test_estimators_are_registered_and_the_default_exists():
    assert {"hip_line", "leg"} <= set(ESTIMATORS)
    assert isinstance(get_estimator("leg"), LegEstimator)
    assert isinstance(get_estimator("hip_line"), HipLineEstimator)
    with pytest.raises(ValueError, match="hip_line"):
        get_estimator("no_such_estimator")
    assert Config().measurement.estimator in ESTIMATORS


def _leg(series, hold=HOLD):
    return LegEstimator().drop_deg(series, hold)


def test_leg_estimator_reads_zero_for_a_level_pelvis_and_a_still_leg():
    drop = _leg(standing_series(lift_knee_px=60))
    assert np.allclose(drop[34:98], 0.0, atol=1e-9)


def test_leg_lowering_during_the_hold_reads_as_drop():
    # the lifted leg goes down by hip_width * sin(6 deg) from frame 60 on
    down = np.zeros(120)
    down[60:98] = HIP_W * np.sin(np.radians(6.0))
    est = LegEstimator()
    drop = est.drop_deg(standing_series(lift_knee_px=60, leg_down_px=down), HOLD)
    assert np.median(drop[34:60]) == pytest.approx(0.0, abs=1e-9)
    assert np.median(drop[70:98]) == pytest.approx(6.0 * est.coefficients.leg_gain, abs=0.05)


def test_leg_reference_is_the_peak_not_the_first_frames_of_the_hold():
    # the foot is still rising during the first 0.4 s of the hold (6 frames, 12 px low):
    # the reference is the highest point, so the held leg afterwards reads level
    down = np.zeros(120)
    down[34:40] = np.linspace(12, 2, 6)
    drop = _leg(standing_series(lift_knee_px=60, leg_down_px=down))
    assert np.median(drop[40:98]) == pytest.approx(0.0, abs=1e-9)


def test_leg_estimator_adds_the_hip_line_change_since_foot_off():
    # the lifted-side hip landmark goes 5 deg lower from frame 60 on, the leg stays still
    series = standing_series(lift_knee_px=60)
    xy = series.xy_px.copy()
    xy[60:98, LEFT_HIP, 1] += HIP_W * np.tan(np.radians(5.0))
    est = LegEstimator()
    drop = est.drop_deg(series.with_values(xy_px=xy), HOLD)
    assert np.median(drop[34:60]) == pytest.approx(0.0, abs=1e-9)
    assert np.median(drop[60:98]) == pytest.approx(5.0 * est.coefficients.hip_gain, abs=0.05)


def test_leg_estimator_ignores_a_hip_line_offset_already_there_at_foot_off():
    # the pull of the lifted leg on its hip landmark (here 3 deg up, from the start of the
    # hold, held) is not a drop; nor, as documented, is a drop already there at foot-off
    series = standing_series(lift_knee_px=60)
    xy = series.xy_px.copy()
    xy[34:98, LEFT_HIP, 1] -= HIP_W * np.tan(np.radians(3.0))
    drop = _leg(series.with_values(xy_px=xy))
    assert np.allclose(drop[34:98], 0.0, atol=1e-9)
    assert HipLineEstimator().drop_deg(series.with_values(xy_px=xy), HOLD)[50] == \
        pytest.approx(-3.0, abs=0.01)


def test_leg_estimator_is_the_same_for_either_lifted_side():
    down = np.zeros(120)
    down[60:98] = HIP_W * np.sin(np.radians(6.0))
    left = standing_series(lift_knee_px=60, leg_down_px=down)
    right = left.swap_sides()
    right_hold = Hold("right", 28, 34, 98, 104, (0, 20))
    assert np.allclose(_leg(left), _leg(right, right_hold), equal_nan=True)


def test_leg_estimator_uses_the_ankle_where_the_foot_is_not_tracked():
    down = np.zeros(120)
    down[60:98] = HIP_W * np.sin(np.radians(6.0))
    series = standing_series(lift_knee_px=60, leg_down_px=down)
    xy = series.xy_px.copy()
    xy[50:98, LEFT_FOOT] = np.nan
    drop = _leg(series.with_values(xy_px=xy))
    assert np.all(np.isfinite(drop[34:98]))
    assert np.median(drop[70:98]) == pytest.approx(6.0 * LegEstimator().coefficients.leg_gain,
                                                   abs=0.05)


def test_leg_estimator_gives_nan_never_an_error_without_data():
    series = standing_series(lift_knee_px=60)
    # no baseline
    assert np.all(np.isnan(_leg(series, Hold("left", 28, 34, 98, 104, None))))
    # no lifted-leg landmark at all: NaN during the hold
    xy = series.xy_px.copy()
    xy[:, [LEFT_FOOT, LEFT_ANKLE]] = np.nan
    drop = _leg(series.with_values(xy_px=xy))
    assert np.all(np.isnan(drop[34:98]))
    # no hip width in the baseline
    xy = series.xy_px.copy()
    xy[:20, LEFT_HIP] = np.nan
    assert np.all(np.isnan(_leg(series.with_values(xy_px=xy))[34:98]))
    # a one-frame hold at the very end of the series
    short = Hold("left", 110, 119, 120, 120, (0, 20))
    assert _leg(series, short).shape == (120,)
