"""Pure geometry and sign conventions, with hand-computed numbers."""

import numpy as np
import pytest
from fakes import front_pose, single_leg_series
from fakes import series_from_xy as _series

from screening.estimators import hip_line_obliquity_deg, side_sign
from screening.landmarks import LEFT_HIP, RIGHT_HIP, LandmarkSeries, other_side
from screening.metrics import trunk_lean_toward_left_deg


def test_obliquity_is_positive_when_left_hip_is_higher_front_and_back():
    front = front_pose()
    # left hip (image right in a front view) 10 px higher over 80 px: atan(10/80)
    front[LEFT_HIP, 1] -= 10
    back = front_pose(view="back")
    back[LEFT_HIP, 1] -= 10
    expected = np.degrees(np.arctan2(10, 80))
    assert hip_line_obliquity_deg(_series([front]))[0] == pytest.approx(expected)
    assert hip_line_obliquity_deg(_series([back]))[0] == pytest.approx(expected)


def test_drop_sign_positive_when_lifted_side_is_lower():
    # lifting the left foot, a lower left hip (negative left-up obliquity) is a positive drop
    assert side_sign("left") * -3.0 == 3.0
    assert side_sign("right") * 3.0 == 3.0


def test_swap_sides_swaps_hip_labels_only():
    xy = front_pose()
    s = _series([xy]).swap_sides()
    np.testing.assert_allclose(s.xy_px[0, LEFT_HIP], xy[RIGHT_HIP])
    np.testing.assert_allclose(s.xy_px[0, RIGHT_HIP], xy[LEFT_HIP])


def test_trunk_lean_toward_subjects_left_front_and_back():
    for view in ("front", "back"):
        series, _ = single_leg_series(lifted_side="right", drop_deg=0, lean_deg=8, view=view)
        lean = trunk_lean_toward_left_deg(series)
        # standing on the left leg, leaning toward it: +8 deg toward the subject's left
        assert lean[len(lean) // 2] == pytest.approx(8.0, abs=0.3), view
        assert lean[0] == pytest.approx(0.0, abs=1e-9)


def test_other_side_and_validation():
    assert other_side("left") == "right"
    with pytest.raises(ValueError):
        other_side("up")


def test_series_rejects_wrong_shapes_and_time():
    with pytest.raises(ValueError, match="xy_px"):
        LandmarkSeries(t_s=np.arange(2.0), xy_px=np.zeros((2, 32, 2)), visibility=np.ones((2, 33)),
                       presence=np.ones((2, 33)), world_xyz_m=np.zeros((2, 33, 3)),
                       n_people=np.ones(2, int), luma_mean=np.ones(2), width_px=1, height_px=1)
    with pytest.raises(ValueError, match="increasing"):
        _series([front_pose(), front_pose()]).with_values(t_s=np.array([0.0, 0.0]))


def test_series_round_trips_through_npz(tmp_path):
    series, _ = single_leg_series(noise_px=1.0)
    series.save_npz(tmp_path / "s.npz")
    loaded = LandmarkSeries.load_npz(tmp_path / "s.npz")
    np.testing.assert_array_equal(loaded.xy_px, series.xy_px)
    assert loaded.fps == pytest.approx(30.0)
    assert (loaded.width_px, loaded.height_px) == (540, 960)
