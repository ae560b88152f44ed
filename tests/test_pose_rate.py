"""The steady pose rate (screening.pose.rate): named scenarios with hand-made landmarks."""

import numpy as np
import pytest
from fakes import front_pose

from screening.config import Config
from screening.landmarks import LEFT_ANKLE, LEFT_KNEE, N_LANDMARKS
from screening.pose import PoseFrame
from screening.pose.rate import PoseRate, fill_skipped, leg_displacement_torso

FPS = 15.0


def frame(t_s: float, xy: np.ndarray, *, visibility: float = 1.0) -> PoseFrame:
    return PoseFrame(t_s=t_s, xy_px=xy, visibility=np.full(N_LANDMARKS, visibility),
                     presence=np.ones(N_LANDMARKS), world_xyz_m=np.zeros((N_LANDMARKS, 3)),
                     n_people=1, luma_mean=100.0)


def run(rate: PoseRate, poses: list[np.ndarray]) -> list[int]:
    """Feed 15 fps frames; returns the indices posed."""
    posed = []
    for i, xy in enumerate(poses):
        if rate.wants(i / FPS):
            rate.seen(frame(i / FPS, xy))
            posed.append(i)
    return posed


def test_still_frames_are_posed_at_the_steady_rate_after_settling():
    still = [front_pose()] * 45                         # 3 s on two legs, nothing moves
    posed = run(PoseRate(1 / 5), still)
    # every frame for the first half second (and the frame that starts it), then every third
    assert posed[:9] == list(range(9))
    assert np.all(np.diff(posed[9:]) == 3)
    assert len(posed) < 0.5 * len(still)


def test_a_lift_brings_back_every_frame_at_once():
    poses = [front_pose() for _ in range(60)]
    for i in range(30, 45):                              # the left foot goes up at 2 s
        poses[i] = poses[i].copy()
        poses[i][[LEFT_KNEE, LEFT_ANKLE], 1] -= 12.0 * (i - 29)
    rate = PoseRate(1 / 5)
    posed = run(rate, poses)
    first_moving = next(i for i in posed if i >= 30)
    assert first_moving <= 32                            # seen within the steady interval
    after = [i for i in posed if first_moving <= i < 45]
    assert after == list(range(first_moving, 45))        # every frame while it moves


def test_a_slow_drift_adds_up_and_brings_back_every_frame():
    torso = 210.0
    poses = []
    for i in range(60):                                  # still for 2 s, then the knee and
        xy = front_pose()                                # ankle sink 0.005 torso a frame
        xy[[LEFT_KNEE, LEFT_ANKLE], 1] += 0.005 * torso * max(0, i - 30)
        poses.append(xy)
    posed = run(PoseRate(1 / 5), poses)
    steady_steps = [b - a for a, b in zip(posed, posed[1:], strict=False) if a >= 30]
    assert steady_steps[0] == 3          # each step moves 0.015 torso lengths: under 0.02
    assert 1 in steady_steps             # but it adds up: every frame again


def test_jitter_below_the_threshold_counts_as_still():
    rng = np.random.default_rng(3)
    base = front_pose()
    torso = 210.0                                        # shoulders at y 290, hips at 500
    poses = [base + rng.normal(0, 0.002 * torso, base.shape) for _ in range(45)]
    posed = run(PoseRate(1 / 5), poses)
    assert len(posed) < 0.5 * len(poses)


def test_missing_or_hidden_legs_are_posed_at_the_full_rate():
    missing = front_pose()
    missing[LEFT_ANKLE] = np.nan
    assert len(run(PoseRate(1 / 5), [missing] * 30)) == 30
    rate, posed = PoseRate(1 / 5), []
    for i in range(30):
        if rate.wants(i / FPS):
            rate.seen(frame(i / FPS, front_pose(), visibility=0.2))
            posed.append(i)
    assert len(posed) == 30


def test_no_steady_rate_poses_every_frame():
    assert len(run(PoseRate(0.0), [front_pose()] * 30)) == 30
    def interval(**changes) -> float:
        return Config().with_changes(**changes).video.steady_pose_interval_s

    assert interval(steady_pose_fps=0) == 0
    assert interval(max_pose_fps=5, steady_pose_fps=5) == 0
    assert interval(max_pose_fps=0) == pytest.approx(1 / 5)


def test_displacement_is_in_torso_lengths():
    a = front_pose()
    b = a.copy()
    b[LEFT_KNEE, 0] += 21.0                               # a tenth of the 210 px torso
    assert leg_displacement_torso(a, b) == pytest.approx(0.1)


def test_skipped_frames_are_interpolated_and_flagged():
    t = np.arange(7) / FPS
    a, b = front_pose(), front_pose()
    b[LEFT_ANKLE] += (30.0, -60.0)
    b[0] = np.nan                                        # the nose lost in the later frame
    posed = [frame(t[0], a), frame(t[3], b), frame(t[6], b)]
    luma = np.arange(7, dtype=float)
    series = fill_skipped(posed, t, luma, width_px=540, height_px=960)
    assert len(series) == 7
    np.testing.assert_allclose(series.xy_px[1, LEFT_ANKLE], a[LEFT_ANKLE] + (10.0, -20.0))
    np.testing.assert_allclose(series.xy_px[5], b)
    assert np.isnan(series.xy_px[2, 0]).all() and np.isfinite(series.xy_px[0, 0]).all()
    assert series.filled.all(axis=1).tolist() == [False, True, True, False, True, True, False]
    np.testing.assert_array_equal(series.luma_mean, luma)  # measured on every frame


def test_nothing_skipped_gives_the_posed_frames_as_they_are():
    t = np.arange(3) / FPS
    posed = [frame(float(ti), front_pose()) for ti in t]
    series = fill_skipped(posed, t, np.full(3, 5.0), width_px=540, height_px=960)
    assert not series.filled.any()
    np.testing.assert_array_equal(series.luma_mean, [100.0] * 3)   # the backend's


def test_posed_frames_must_include_the_first_and_last_frame():
    t = np.arange(5) / FPS
    with pytest.raises(ValueError, match="first"):
        fill_skipped([frame(t[1], front_pose()), frame(t[4], front_pose())], t, np.zeros(5),
                     width_px=540, height_px=960)
