"""Pure geometry and sign conventions, with hand-computed numbers."""

import numpy as np
import pytest
from fakes import front_pose, single_leg_series
from fakes import series_from_xy as _series

from screening.geometry import (
    ankle_raise_legs,
    camera_view,
    frontal_ratio,
    frontal_ratios,
    hip_dx_px,
    hip_obliquity_deg,
    hip_width_px,
    largest_offset_torso,
    left_hip_image_direction,
    leg_length_px,
    line_obliquity_deg,
    side_sign,
    torso_length_px,
    trunk_lean_toward_left_deg,
)
from screening.landmarks import (
    LEFT_ANKLE,
    LEFT_HIP,
    LEFT_SHOULDER,
    NOSE,
    RIGHT_ANKLE,
    RIGHT_HIP,
    RIGHT_SHOULDER,
    LandmarkSeries,
    other_side,
)


def test_obliquity_is_positive_when_left_hip_is_higher_front_and_back():
    front = front_pose()
    # left hip (image right in a front view) 10 px higher over 80 px: atan(10/80)
    front[LEFT_HIP, 1] -= 10
    back = front_pose(view="back")
    back[LEFT_HIP, 1] -= 10
    expected = np.degrees(np.arctan2(10, 80))
    assert hip_obliquity_deg(_series([front]).xy_px)[0] == pytest.approx(expected)
    assert hip_obliquity_deg(_series([back]).xy_px)[0] == pytest.approx(expected)
    # one frame or a series: the same number
    assert float(hip_obliquity_deg(front)) == pytest.approx(expected)


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
        lean = trunk_lean_toward_left_deg(series.xy_px)
        # standing on the left leg, leaning toward it: +8 deg toward the subject's left
        assert lean[len(lean) // 2] == pytest.approx(8.0, abs=0.3), view
        assert lean[0] == pytest.approx(0.0, abs=1e-9)


def test_hip_width_and_direction_in_front_and_back_views():
    # front_pose: hips 40 px either side of the centre; the left hip on the image right
    # facing the camera, on the image left from behind
    front, back = front_pose(), front_pose(view="back")
    assert hip_dx_px(front) == pytest.approx(80.0)
    assert hip_dx_px(back) == pytest.approx(-80.0)
    assert hip_width_px(front) == hip_width_px(back) == pytest.approx(80.0)
    assert hip_width_px(np.stack([front, back])).tolist() == [80.0, 80.0]
    assert left_hip_image_direction(np.stack([front] * 3)) == 1.0
    assert left_hip_image_direction(np.stack([back] * 3)) == -1.0
    missing = np.full((2, 33, 2), np.nan)
    assert np.isnan(left_hip_image_direction(missing))


def test_camera_view_front_back_mirrored_and_unknown():
    front = np.stack([front_pose()] * 3)
    back = np.stack([front_pose(view="back")] * 3)
    assert camera_view(front) == "front"
    assert camera_view(back) == "back"
    # a mirrored picture of someone facing the camera puts their left hip on the image left
    assert camera_view(back, mirrored=True) == "front"
    assert camera_view(front, mirrored=True) == "back"
    assert camera_view(np.full((3, 33, 2), np.nan)) == "unknown"
    level = front.copy()
    level[:, LEFT_HIP, 0] = level[:, RIGHT_HIP, 0]
    assert camera_view(level) == "unknown"


def test_frontal_ratio_torso_and_legs_by_hand():
    xy = front_pose()
    # hips 80 px and shoulders 130 px wide, hip midpoint (270, 500), shoulders' (270, 290)
    assert torso_length_px(xy) == pytest.approx(210.0)
    assert frontal_ratios(xy) == pytest.approx((80 + 130) / (2 * 210))
    side = xy.copy()
    side[[LEFT_HIP, RIGHT_HIP, LEFT_SHOULDER, RIGHT_SHOULDER], 0] = 270.0
    assert frontal_ratios(side) == pytest.approx(0.0)
    assert frontal_ratio(np.stack([xy, side, side])) == pytest.approx(0.0)
    assert np.isnan(frontal_ratio(np.full((2, 33, 2), np.nan)))
    # hip (+-40, 500) to ankle (+-44, 880) on each side
    leg = np.hypot(4, 380)
    assert leg_length_px(np.stack([xy, xy])) == pytest.approx(leg)
    raised = xy.copy()
    raised[LEFT_ANKLE, 1] -= 38.0
    # in the mean of the two legs, the raised one now shorter
    assert ankle_raise_legs(raised) == pytest.approx(38.0 / ((np.hypot(4, 342) + leg) / 2))
    raised[RIGHT_ANKLE] = np.nan
    assert np.isnan(ankle_raise_legs(raised))


def test_largest_offset_between_two_poses_in_torso_lengths():
    xy = front_pose()                                  # torso 210 px (above)
    assert largest_offset_torso(xy, xy) == 0.0
    moved = xy.copy()
    moved[NOSE, 1] += 105.0                            # the head half a torso lower
    moved[LEFT_ANKLE, 0] += 21.0
    assert largest_offset_torso(moved, xy) == pytest.approx(0.5)
    moved[LEFT_ANKLE, 1] += 400.0                      # the largest offset counts
    assert largest_offset_torso(moved, xy) == pytest.approx(np.hypot(21.0, 400.0) / 210.0)
    # points outside the body (hands, face details) do not count
    hand = xy.copy()
    hand[15:23] += 500.0
    assert largest_offset_torso(hand, xy) == 0.0
    # a missing body point, or a reference without a torso: unknown
    missing = xy.copy()
    missing[RIGHT_ANKLE] = np.nan
    assert np.isnan(largest_offset_torso(missing, xy))
    assert np.isnan(largest_offset_torso(xy, missing))
    flat = xy.copy()
    flat[[LEFT_SHOULDER, RIGHT_SHOULDER]] = flat[[LEFT_HIP, RIGHT_HIP]]
    assert np.isnan(largest_offset_torso(xy, flat))


def test_line_obliquity_is_the_hip_obliquity_for_any_pair_of_points():
    xy = front_pose()
    xy[LEFT_HIP, 1] -= 7
    assert line_obliquity_deg(xy[LEFT_HIP], xy[RIGHT_HIP]) == hip_obliquity_deg(xy)
    assert line_obliquity_deg(xy[LEFT_SHOULDER], xy[RIGHT_SHOULDER]) == pytest.approx(0.0)


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
