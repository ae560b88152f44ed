"""Named scenarios for the lift detection (screening.phases): a stick figure in 3-D, seen by
a pinhole camera that looks down, so that where a foot on the floor appears in the image
depends on how far it is from the camera, as on the real clips in ../shared/real.

Each scenario breaks one of the assumptions listed in the docstring of screening.phases
(or the one the detection made before: that a foot's lowest image position in the take is
its place on the floor) and says what the detection then gives.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest
from fakes import HEIGHT, WIDTH, series_from_xy

from screening.analysis import analyse_landmarks
from screening.config import Config
from screening.errors import RecordingError
from screening.geometry import leg_length_px
from screening.landmarks import (
    LEFT_ANKLE,
    LEFT_FOOT,
    LEFT_HEEL,
    LEFT_HIP,
    LEFT_KNEE,
    N_LANDMARKS,
    RIGHT_ANKLE,
    RIGHT_FOOT,
    RIGHT_HEEL,
    RIGHT_HIP,
    RIGHT_KNEE,
)
from screening.phases import ankle_height_difference_legs, detect_holds, lift_signals

FPS = 30.0
THIGH_M = SHANK_M = 0.42
HIP_Y_M = 0.92         # hip joint above the floor, standing
ANKLE_Y_M = 0.08       # ankle above the floor, foot flat
HALF_HIPS_M = 0.1      # hip joint (and foot) half-way between the legs


@dataclass(frozen=True)
class Camera:
    """A pinhole camera at ``height_m`` above the floor, ``distance_m`` in front of the
    person's start place, looking at them and ``pitch_deg`` down. World: x to the image
    right, y up, z away from the camera (the person faces the camera, so their left is
    toward +x)."""

    height_m: float = 1.6
    distance_m: float = 3.5
    pitch_deg: float = 20.0
    focal_px: float = 1000.0

    def project(self, xyz_m: np.ndarray) -> np.ndarray:
        """``(..., 3)`` world points to ``(..., 2)`` pixels (x right, y down)."""
        p = np.radians(self.pitch_deg)
        v = xyz_m - np.array([0.0, self.height_m, -self.distance_m])
        depth = -v[..., 1] * np.sin(p) + v[..., 2] * np.cos(p)
        down = -v[..., 1] * np.cos(p) - v[..., 2] * np.sin(p)
        return np.stack([WIDTH / 2 + self.focal_px * v[..., 0] / depth,
                         HEIGHT * 0.4 + self.focal_px * down / depth], axis=-1)


@dataclass(frozen=True)
class Leg:
    """One leg's posture: hip and knee flexion (foot forward and up; a bent knee alone
    puts the foot behind), abduction (a straight leg swung out sideways) and where the foot
    stands on the floor, ahead of the body (toward the camera, metres)."""

    hip_flex_deg: float = 0.0
    knee_flex_deg: float = 0.0
    abduction_deg: float = 0.0
    ahead_m: float = 0.0


STAND = Leg()


def body_xyz(*, z_m: float = 0.0, up_m: float = 0.0, left: Leg = STAND,
             right: Leg = STAND) -> np.ndarray:
    """``(33, 3)`` landmarks of a person facing the camera at ``z_m`` (less: nearer the
    camera), raised ``up_m`` off the floor (a jump), legs as given."""
    xyz = np.full((N_LANDMARKS, 3), np.nan)
    pelvis_y = HIP_Y_M + up_m
    # head, shoulders and arms: the trunk stays upright
    xyz[0] = (0.0, pelvis_y + 0.72, z_m - 0.1)
    for j in range(1, 11):  # eyes, ears, mouth around the nose
        side = 1.0 if j in (1, 2, 3, 7, 9) else -1.0
        xyz[j] = (side * (0.03 + 0.02 * (j % 3)), pelvis_y + 0.72 + 0.02, z_m - 0.08)
    for j in range(11, 23):
        side = 1.0 if j % 2 == 1 else -1.0
        drop_m = {11: 0.0, 12: 0.0, 13: 0.28, 14: 0.28}.get(j, 0.52)
        xyz[j] = (side * 0.2, pelvis_y + 0.53 - drop_m, z_m)
    for leg, s, (hip, knee, ankle, heel, toe) in (
            (left, 1.0, (LEFT_HIP, LEFT_KNEE, LEFT_ANKLE, LEFT_HEEL, LEFT_FOOT)),
            (right, -1.0, (RIGHT_HIP, RIGHT_KNEE, RIGHT_ANKLE, RIGHT_HEEL, RIGHT_FOOT))):
        hip_xyz = np.array([s * HALF_HIPS_M, pelvis_y, z_m])
        # a foot set ahead tilts the straight leg toward the camera
        lean = np.arcsin(np.clip(leg.ahead_m / (THIGH_M + SHANK_M), -1, 1))
        a, k, b = np.radians(leg.hip_flex_deg), np.radians(leg.knee_flex_deg), \
            np.radians(leg.abduction_deg)
        thigh = np.array([s * np.sin(b), -np.cos(b) * np.cos(a + lean),
                          -np.cos(b) * np.sin(a + lean)])
        shank = np.array([s * np.sin(b), -np.cos(b) * np.cos(a + lean - k),
                          -np.cos(b) * np.sin(a + lean - k)])
        knee_xyz = hip_xyz + THIGH_M * thigh
        ankle_xyz = knee_xyz + SHANK_M * shank
        xyz[hip], xyz[knee], xyz[ankle] = hip_xyz, knee_xyz, ankle_xyz
        xyz[heel] = ankle_xyz + (0.0, -0.05, 0.06)
        xyz[toe] = ankle_xyz + (0.0, -0.06, -0.15)
    return xyz


def series_of(poses: list[np.ndarray], camera: Camera = Camera()):
    """The landmark series a camera sees of 3-D poses at ``FPS``."""
    return series_from_xy(np.array([camera.project(p) for p in poses]))


def ramp(t: np.ndarray, start_s: float, stop_s: float, ramp_s: float = 0.3) -> np.ndarray:
    """0 before ``start_s``, up to 1 over ``ramp_s``, down again after ``stop_s``."""
    up = np.clip((t - start_s) / ramp_s, 0, 1)
    down = np.clip((t - stop_s) / ramp_s, 0, 1)
    return up * (1 - down)


def times(duration_s: float) -> np.ndarray:
    return np.arange(int(round(duration_s * FPS))) / FPS


def lifted_leg(k: float) -> Leg:
    """The protocol's lift at fraction ``k`` of the way up: knee forward, foot back."""
    return Leg(hip_flex_deg=40 * k, knee_flex_deg=80 * k)


def holds_of(series) -> list[tuple[str, float, float, bool]]:
    """(lifted side, hold start s, hold end s, has a baseline) of every detected hold."""
    t = series.t_s
    return [(h.lifted_side, float(t[h.hold_start]), float(t[h.hold_end - 1]),
             h.baseline is not None) for h in detect_holds(series, Config().phases)]


# --- the person moves toward a camera that looks down ------------------------------------

def test_stepping_toward_a_camera_that_looks_down_between_two_holds():
    """Left foot up at 3.5 m, then four quick steps toward the camera, then the right
    foot up at 2.3 m. The feet's places on the floor sit lower in the image after the
    steps, so measured against its lowest image position in the take each foot read as
    lifted all through the first part; against the other ankle neither does."""
    t = times(14.0)
    walk_z = -1.2 * np.clip((t - 6.0) / 1.0, 0, 1)
    poses = []
    for i in range(len(t)):
        left, right = lifted_leg(ramp(t, 1.5, 4.5)[i]), lifted_leg(ramp(t, 9.0, 12.0)[i])
        for n in range(4):  # each step: the foot off the floor for 0.2 s
            step = ramp(t, 6.0 + 0.25 * n, 6.1 + 0.25 * n, 0.05)[i] * 0.15
            if n % 2 == 0:
                left = Leg(hip_flex_deg=left.hip_flex_deg + 40 * step,
                           knee_flex_deg=left.knee_flex_deg + 80 * step)
            else:
                right = Leg(hip_flex_deg=right.hip_flex_deg + 40 * step,
                            knee_flex_deg=right.knee_flex_deg + 80 * step)
        poses.append(body_xyz(z_m=walk_z[i], left=left, right=right))
    series = series_of(poses)
    feet_y = series.xy_px[:, [LEFT_ANKLE, RIGHT_ANKLE], 1]
    assert feet_y[-1].min() - feet_y[0].max() > 100  # the feet are far lower in the image
    # against its lowest image position in the take, each foot reads lifted before the steps
    above_lowest = (feet_y.max(axis=0) - feet_y) / leg_length_px(series.xy_px)
    assert above_lowest[t < 6.0].min() > 3 * Config().phases.lift_threshold_leg
    holds = holds_of(series)
    assert [(side, base) for side, _, _, base in holds] == [("left", True), ("right", True)]
    (_, s0, e0, _), (_, s1, e1, _) = holds
    assert s0 == pytest.approx(1.7, abs=0.25) and e0 == pytest.approx(4.6, abs=0.25)
    assert s1 == pytest.approx(9.2, abs=0.25) and e1 == pytest.approx(12.1, abs=0.25)
    # on two legs the lift signal stays at zero wherever the person stands
    signals = lift_signals(series, Config().phases)
    standing = (t < 1.2) | ((t > 5.2) & (t < 5.9)) | ((t > 7.4) & (t < 8.8)) | (t > 12.6)
    assert np.abs(signals["left"][standing]).max() < 0.02


# --- assumption 1: the feet stand side by side --------------------------------------------

def test_staggered_stance_is_absorbed_as_the_two_leg_offset():
    """The right foot 0.3 m behind the left from the start: the right ankle sits higher in
    the image on two legs (a camera that looks down). Its lift is still found, with a
    baseline, against that offset."""
    t = times(8.0)
    poses = [body_xyz(left=Leg(ahead_m=0.15),
                      right=lifted_leg(k) if k else Leg(ahead_m=-0.15))
             for k in ramp(t, 2.0, 6.0)]
    series = series_of(poses)
    y = series.xy_px[0, [LEFT_ANKLE, RIGHT_ANKLE], 1]
    assert y[0] - y[1] > 0.05 * 180  # the back (right) ankle reads well above the front one
    [(side, start, end, base)] = holds_of(series)
    assert (side, base) == ("right", True)
    assert start == pytest.approx(2.2, abs=0.3) and end == pytest.approx(6.1, abs=0.3)


def test_a_take_that_starts_in_a_small_lift_takes_the_offset_where_the_foot_is_down():
    """The take starts with the right foot up (0.12 leg lengths in the image, as small as
    two-leg offsets can be), as when a webcam recording starts during a hold: the first
    steady stretch near level is that lift, not the stance on two legs. The foot comes down
    without rising first, so that stretch is passed over for the next one; both lifts are
    found on the right, with a baseline."""
    t = times(14.0)
    up = 1.0 - np.clip((t - 3.0) / 0.3, 0, 1) + ramp(t, 6.5, 10.5)
    series = series_of([body_xyz(right=lifted_leg(0.7 * k)) for k in up])
    first = ankle_height_difference_legs(series)[t < 3.0]
    assert np.all(np.abs(first) < Config().phases.max_two_leg_offset_leg)  # a usable stretch
    assert np.all(first < -Config().phases.lift_threshold_leg)              # ... with a lift
    holds = holds_of(series)
    assert [(side, base) for side, _, _, base in holds] == [("right", True), ("right", True)]
    (_, s0, e0, _), (_, s1, e1, _) = holds
    assert s0 == pytest.approx(0.0, abs=0.1) and e0 == pytest.approx(3.0, abs=0.3)
    assert s1 == pytest.approx(6.7, abs=0.3) and e1 == pytest.approx(10.6, abs=0.3)
    standing = ((t > 3.6) & (t < 6.3)) | (t > 11.2)
    assert np.abs(lift_signals(series, Config().phases)["right"][standing]).max() < 0.02


# --- assumption 2: a lifted foot rises ---------------------------------------------------

def test_setting_one_foot_ahead_is_a_step_not_a_lift_of_the_other():
    """After a hold on the left leg the right foot comes down 0.4 m ahead (toward a camera
    that looks down): the left ankle now reads lifted, above the right one, but the left
    foot has not moved. Only the right foot's lift is a hold."""
    t = times(8.0)
    k = ramp(t, 1.5, 4.5)
    poses = []
    for i, ti in enumerate(t):
        ahead = 0.4 * np.clip((ti - 4.5) / 0.3, 0, 1)
        right = lifted_leg(k[i]) if ti < 4.5 else Leg(ahead_m=ahead,
                                                       hip_flex_deg=40 * k[i],
                                                       knee_flex_deg=80 * k[i])
        poses.append(body_xyz(right=right))
    series = series_of(poses)
    signals = lift_signals(series, Config().phases)
    assert np.median(signals["left"][t > 5.5]) > Config().phases.lift_threshold_leg
    assert [(side, base) for side, _, _, base in holds_of(series)] == [("right", True)]


# --- assumption 3: the stance foot stays put --------------------------------------------

def test_a_jump_with_both_feet_is_no_lift():
    """Five jumps with both feet together, knees bent on landing: the ankles keep their
    height difference, so no foot is lifted and the take is reported as no_lift."""
    t = times(8.0)
    flight = np.maximum(0, np.sin(2 * np.pi * 0.8 * (t - 2.0))) * (t > 2.0) * (t < 8.0)
    poses = [body_xyz(up_m=0.2 * f, left=Leg(hip_flex_deg=20 * f, knee_flex_deg=40 * f),
                      right=Leg(hip_flex_deg=20 * f, knee_flex_deg=40 * f)) for f in flight]
    series = series_of(poses)
    assert holds_of(series) == []
    with pytest.raises(RecordingError) as err:
        analyse_landmarks(series, Config())
    assert err.value.code == "no_lift"


def test_legs_spread_toward_and_away_from_the_camera_are_no_lift():
    """Jumping jacks seen at an angle: at every landing the legs are apart, one foot
    nearer the camera than the other, so the far ankle reads 0.2 leg lengths higher for
    half a second; but the near foot jumped and landed too. No lift."""
    t = times(8.0)
    phase = (t - 2.0) % 1.0
    jumping = t > 2.0
    spread = np.where(jumping, np.sin(np.pi * phase), 0.0)  # legs apart at mid-cycle
    flight = np.where(jumping, np.abs(np.sin(2 * np.pi * phase)) * (phase > 0.5), 0.0)
    poses = [body_xyz(up_m=0.12 * f, left=Leg(ahead_m=0.25 * s), right=Leg(ahead_m=-0.25 * s))
             for s, f in zip(spread, flight, strict=True)]
    series = series_of(poses)
    signals = lift_signals(series, Config().phases)
    assert signals["right"].max() > 0.15  # the far foot reads as lifted at each landing
    assert holds_of(series) == []


# --- assumption 4: a lift with nothing beside it is taken as it reads -----------------

def test_hopping_on_one_leg_through_the_whole_take_is_a_hold_without_baseline():
    """From the first frame to the last the left knee is bent behind and the person hops on
    the right leg, toward and away from the camera. Nothing beside the lift to compare
    with: it is a hold on the right leg, without a two-leg baseline, so inconclusive."""
    t = times(8.0)
    hop = np.abs(np.sin(2 * np.pi * 1.2 * t))
    z = 0.5 * np.sin(2 * np.pi * 0.15 * t)
    poses = [body_xyz(z_m=zi, up_m=0.08 * h, left=Leg(knee_flex_deg=95),
                      right=Leg(hip_flex_deg=10 * h, knee_flex_deg=20 * h))
             for zi, h in zip(z, hop, strict=True)]
    series = series_of(poses)
    [(side, start, end, base)] = holds_of(series)
    assert (side, base) == ("left", False)
    assert start == pytest.approx(0.0, abs=0.1) and end == pytest.approx(t[-1], abs=0.1)
    [test] = analyse_landmarks(series, Config()).holds
    assert test.hold.stance_side == "right"
    assert test.decision.classification == "inconclusive"
    assert "no_baseline" in [p.code for p in test.problems]


def test_hopping_after_standing_on_two_legs_is_taken_for_jumps():
    """Hops of 15 cm after 2 s on two legs: now the lift does not fill the take, and the
    stance foot leaves the floor at every hop: not a single-leg stance, so no hold. (A
    stance foot may move up and down by ``max_stance_motion_leg``: small bounces are a
    stance.)"""
    t = times(8.0)
    on_one_leg = np.clip((t - 2.0) / 0.3, 0, 1)
    hop = np.abs(np.sin(2 * np.pi * 1.2 * (t - 2.3))) * (t > 2.3)
    poses = [body_xyz(up_m=0.15 * h, left=Leg(knee_flex_deg=95 * k),
                      right=Leg(hip_flex_deg=10 * h, knee_flex_deg=20 * h))
             for k, h in zip(on_one_leg, hop, strict=True)]
    assert holds_of(series_of(poses)) == []


# --- a swung leg --------------------------------------------------------------------------

def test_a_straight_leg_swung_out_sideways_is_a_lift():
    """The right leg, knee straight, swung out 30 deg for two seconds: the ankle rises
    about 0.13 leg lengths and moves out; a hold on the left leg."""
    t = times(6.0)
    poses = [body_xyz(right=Leg(abduction_deg=30 * k)) for k in ramp(t, 1.5, 3.5)]
    [(side, start, end, base)] = holds_of(series_of(poses))
    assert (side, base) == ("right", True)
    assert start == pytest.approx(1.7, abs=0.3) and end == pytest.approx(3.6, abs=0.3)


def test_a_leg_swung_from_a_staggered_stance_and_set_down_ahead():
    """The real balancing take (pose2sim): the right foot starts 0.35 m behind the left,
    swings out sideways, comes down 0.35 m ahead of it (lower in the image of a camera that
    looks down, so the left ankle now reads higher), and the left foot then steps forward
    beside it. Every hold stands on the left leg."""
    t = times(2.0)
    swing = ramp(t, 0.2, 1.0, 0.25)
    step = ramp(t, 1.45, 1.6, 0.1)
    poses = []
    for i, ti in enumerate(t):
        right = Leg(abduction_deg=35 * swing[i], ahead_m=-0.35 if ti < 0.6 else 0.35)
        left = Leg(ahead_m=0.35 * np.clip((ti - 1.45) / 0.3, 0, 1),
                   hip_flex_deg=20 * step[i], knee_flex_deg=40 * step[i])
        poses.append(body_xyz(left=left, right=right))
    holds = holds_of(series_of(poses))
    assert holds and all(side == "right" for side, _, _, _ in holds)


# --- assumption 5: a missing ankle does not end a lift ----------------------------------

def test_a_lifted_ankle_lost_for_half_a_second_is_one_hold():
    t = times(8.0)
    poses = [body_xyz(left=lifted_leg(k)) for k in ramp(t, 1.5, 6.5)]
    series = series_of(poses)
    xy = series.xy_px.copy()
    xy[(t > 3.5) & (t < 4.0), LEFT_ANKLE] = np.nan
    [(side, start, end, base)] = holds_of(series.with_values(xy_px=xy))
    assert (side, base) == ("left", True)
    assert start == pytest.approx(1.7, abs=0.3) and end == pytest.approx(6.6, abs=0.3)
