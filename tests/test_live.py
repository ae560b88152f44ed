"""The guided webcam protocol, the framing check and the recorder, with hand-made landmarks."""

from __future__ import annotations

import math
import threading
import time

import numpy as np
import pytest

from screening.estimators import LEG_FIT, hip_obliquity_deg
from screening.landmarks import (
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
from screening.live import (
    GuidedProtocol,
    LiveSession,
    LiveTimings,
    Observation,
    check_framing,
    observe,
)
from screening.pose import PoseFrame

W, H = 480, 640


def body(*, scale: float = 1.0, hip_tilt_deg: float = 0.0, lift: str | None = None,
         turn: float = 1.0, shift_y: float = 0.0, foot_down_px: float = 0.0) -> np.ndarray:
    """A person facing the camera (their left on the image right), unmirrored frame.

    ``hip_tilt_deg`` > 0 raises the subject's left hip; ``lift`` raises that ankle by a
    quarter leg, less ``foot_down_px``; ``turn`` < 1 narrows the body as if turning
    sideways. The hip width is 80 px at scale 1.
    """
    xy = np.full((33, 2), np.nan)
    cx, cy = W / 2, H / 2 + shift_y
    s = scale
    half_hip, half_sh = 40 * s * turn, 60 * s * turn
    xy[NOSE] = (cx, cy - 250 * s)
    xy[LEFT_SHOULDER] = (cx + half_sh, cy - 180 * s)
    xy[RIGHT_SHOULDER] = (cx - half_sh, cy - 180 * s)
    dy = half_hip * math.tan(math.radians(hip_tilt_deg))
    xy[LEFT_HIP] = (cx + half_hip, cy - dy)
    xy[RIGHT_HIP] = (cx - half_hip, cy + dy)
    xy[LEFT_KNEE] = (cx + half_hip, cy + 110 * s)
    xy[RIGHT_KNEE] = (cx - half_hip, cy + 110 * s)
    xy[LEFT_ANKLE] = (cx + half_hip, cy + 220 * s)
    xy[RIGHT_ANKLE] = (cx - half_hip, cy + 220 * s)
    if lift in ("left", "right"):
        ankle = LEFT_ANKLE if lift == "left" else RIGHT_ANKLE
        xy[ankle, 1] -= 0.25 * 220 * s - foot_down_px
    return xy


VIS = np.ones(33)


def obs(**kwargs):
    return observe(body(**kwargs), VIS, W, H)


# -- framing ----------------------------------------------------------------------------

def test_framing_ok_for_a_whole_body_facing_the_camera():
    check = check_framing(body(), VIS, W, H)
    assert check.ok, check.problems
    assert 0.7 < check.body_height_fraction < 0.8


def test_framing_reports_nobody():
    check = check_framing(None, None, W, H)
    assert not check.ok and "nobody" in check.problems[0]


def test_framing_asks_to_step_back_when_feet_are_cut_off():
    check = check_framing(body(shift_y=120), VIS, W, H)
    assert not check.ok
    assert any("feet" in p for p in check.problems)


def test_framing_asks_to_come_closer_when_small():
    check = check_framing(body(scale=0.4), VIS, W, H)
    assert not check.ok
    assert any(p.startswith("Come closer") for p in check.problems)


def test_framing_asks_to_face_the_camera_in_a_side_view():
    check = check_framing(body(turn=0.1), VIS, W, H)
    assert not check.ok
    assert any("face the camera" in p for p in check.problems)


def test_framing_needs_visible_feet():
    vis = VIS.copy()
    vis[[LEFT_ANKLE, RIGHT_ANKLE]] = 0.1
    assert not check_framing(body(), vis, W, H).ok


def test_hip_obliquity_sign_left_hip_up_is_positive():
    assert hip_obliquity_deg(body(hip_tilt_deg=5)) == pytest.approx(5, abs=1e-6)
    assert hip_obliquity_deg(body(hip_tilt_deg=-3)) == pytest.approx(-3, abs=1e-6)


# -- timings ----------------------------------------------------------------------------

def test_timings_parse_short_names_and_reject_unknown():
    t = LiveTimings.parse("hold=5, baseline_s=1.5,countdown=0")
    assert (t.hold_s, t.baseline_s, t.countdown_s) == (5.0, 1.5, 0.0)
    assert t.rest_s == LiveTimings().rest_s
    with pytest.raises(ValueError, match="unknown timing"):
        LiveTimings.parse("holdd=5")
    with pytest.raises(ValueError, match="not a number"):
        LiveTimings.parse("hold=abc")
    with pytest.raises(ValueError):
        LiveTimings(hold_s=0)


# -- the protocol as named scenarios ----------------------------------------------------

FAST = LiveTimings(framing_ok_s=0.5, baseline_s=1.0, countdown_s=1.0, hold_s=3.0,
                   lift_wait_s=2.0, rest_s=1.0, final_s=0.5, lost_s=0.5, foot_down_s=0.3)
DT = 0.05


def run(protocol, t0, seconds, make):
    """Feed ``make(t)`` observations for ``seconds``; returns (end time, statuses)."""
    statuses = []
    t = t0
    while t < t0 + seconds - 1e-9:
        statuses.append(protocol.step(t, make(t)))
        t = round(t + DT, 6)
    return t, statuses


def dropped(side: str, drop_deg: float) -> Observation:
    """``side``'s foot lifted and the pelvis dropped by ``drop_deg`` on that side: its hip
    and the lifted foot hanging from it go down by hip width x sin(drop)."""
    tilt = -drop_deg if side == "left" else drop_deg  # + tilt = subject's left hip up
    return obs(lift=side, hip_tilt_deg=tilt,
               foot_down_px=80 * math.sin(math.radians(drop_deg)))


GAIN = LEG_FIT.leg_gain + LEG_FIT.hip_gain  # a drop seen by both parts of the estimate


def test_full_protocol_left_then_right_with_live_drop():
    p = GuidedProtocol(FAST)
    good = obs()
    t, st = run(p, 0.0, 0.4, lambda t: good)
    assert {s.stage for s in st} == {"framing"} and not any(s.recording for s in st)
    t, st = run(p, t, 0.8, lambda t: good)
    assert st[-1].stage == "baseline" and st[-1].recording
    t, st = run(p, t, 1.0, lambda t: good)
    assert st[-1].stage == "countdown" and st[-1].side == "left"
    assert "LEFT" in st[-1].prompt
    # the left foot comes up, the pelvis still level
    t, st = run(p, t, 0.5, lambda t: dropped("left", 0.0))
    assert st[-1].stage == "hold" and st[-1].side == "left"
    assert "LEFT foot up" in st[-1].prompt and "s left" in st[-1].prompt
    # the first second of the hold is the reference: no live drop yet
    assert st[-1].drop_deg is None and "starting position" in st[-1].detail
    hold_start = t - 0.2
    t, st = run(p, t, 0.9, lambda t: dropped("left", 0.0))
    assert st[-1].drop_deg == pytest.approx(0.0, abs=1e-6)
    # then the left side of the pelvis drops 4 deg
    t, st = run(p, t, 1.0, lambda t: dropped("left", 4.0))
    assert st[-1].drop_deg == pytest.approx(4.0 * GAIN, abs=0.2)
    assert st[-1].hold_elapsed_s == pytest.approx(t - DT - hold_start, abs=0.1)
    assert f"pelvic drop {st[-1].drop_deg:+.1f} deg" in st[-1].overlay_lines()
    # a level pelvis with the foot lifted higher reads as a rise, as in the recording's
    # analysis; the plain hip line alone would read 0 here
    higher = obs(lift="left", foot_down_px=-80 * math.sin(math.radians(4.0)))
    assert higher.obliquity_deg == p.baseline_obliquity_deg
    assert p.live_drop_deg(t, higher) == pytest.approx(-4.0 * LEG_FIT.leg_gain, abs=1e-6)
    t, st = run(p, t, 1.0, lambda t: dropped("left", 4.0))
    assert st[-1].stage == "rest"
    assert p.holds and p.holds[0].side == "left" and p.holds[0].lift_seen
    # the right side: the pelvis rises on the lifted side (negative drop)
    t, st = run(p, t, 2.0, lambda t: good)
    assert st[-1].stage == "lift" and st[-1].side == "right"
    t, st = run(p, t, 1.2, lambda t: dropped("right", 0.0))
    assert st[-1].stage == "hold" and st[-1].side == "right"
    t, st = run(p, t, 1.2, lambda t: dropped("right", -2.0))
    assert st[-1].drop_deg == pytest.approx(-2.0 * GAIN, abs=0.2)
    t, st = run(p, t, 3.0, lambda t: dropped("right", -2.0))
    assert st[-1].done and not st[-1].recording
    assert [h.side for h in p.holds] == ["left", "right"]
    assert all(h.end_s - h.start_s == pytest.approx(3.0, abs=0.1) for h in p.holds)
    assert not any(h.ended_early for h in p.holds)


def test_baseline_cancels_a_tilted_camera():
    p = GuidedProtocol(FAST)
    tilted = obs(hip_tilt_deg=3)  # camera roll: hips look tilted while standing level
    t, _ = run(p, 0.0, 3.0, lambda t: tilted)
    assert p.baseline_obliquity_deg == pytest.approx(3.0, abs=1e-6)
    t, st = run(p, t, 0.5, lambda t: obs(lift="left", hip_tilt_deg=3))
    assert st[-1].stage == "hold"
    assert obs(lift="left", hip_tilt_deg=3).obliquity_deg - p.baseline_obliquity_deg == \
        pytest.approx(0.0, abs=1e-6)
    t, st = run(p, t, 1.5, lambda t: obs(lift="left", hip_tilt_deg=3))
    assert st[-1].drop_deg == pytest.approx(0.0, abs=1e-6)


def test_live_drop_starts_from_the_highest_foot_of_the_first_second():
    # the foot is still rising during the first 0.4 s of the hold: the reference is its
    # highest point, so holding it there afterwards reads level, not a rise
    p = GuidedProtocol(FAST)
    t, _ = run(p, 0.0, 2.5 + FAST.countdown_s, lambda t: obs())
    t, st = run(p, t, 0.4, lambda t: obs(lift="left", foot_down_px=10.0))
    assert st[-1].stage == "hold"
    t, st = run(p, t, 2.0, lambda t: obs(lift="left"))
    assert st[-1].drop_deg == pytest.approx(0.0, abs=1e-6)


def test_live_reference_restarts_when_the_lift_comes_after_the_timer():
    p = GuidedProtocol(FAST)
    t, _ = run(p, 0.0, 2.5 + FAST.countdown_s, lambda t: obs())
    t, st = run(p, t, FAST.lift_wait_s + 0.1, lambda t: obs())
    assert st[-1].stage == "hold"               # the timer started with both feet down
    t, st = run(p, t, 0.5, lambda t: obs(lift="left"))
    assert st[-1].drop_deg is None              # the reference is taken from the lift on
    t, st = run(p, t, 1.0, lambda t: obs(lift="left"))
    assert st[-1].drop_deg == pytest.approx(0.0, abs=1e-6)


def test_hold_timer_starts_anyway_when_no_lift_is_seen():
    p = GuidedProtocol(FAST)
    good = obs()
    t, st = run(p, 0.0, 2.5 + FAST.countdown_s, lambda t: good)
    assert st[-1].stage == "lift"
    t, st = run(p, t, FAST.lift_wait_s + 0.1, lambda t: good)
    assert st[-1].stage == "hold"
    assert "cannot see the foot" in st[-1].detail
    t, st = run(p, t, FAST.hold_s + 0.1, lambda t: good)
    assert p.holds[0].lift_seen is False and p.holds[0].ended_early is False


def test_foot_down_ends_the_hold_early():
    p = GuidedProtocol(FAST)
    good = obs()
    t, _ = run(p, 0.0, 2.5 + FAST.countdown_s, lambda t: good)
    t, _ = run(p, t, 1.0, lambda t: obs(lift="left"))
    t, st = run(p, t, 0.5, lambda t: good)
    assert p.holds and p.holds[0].ended_early
    assert p.holds[0].end_s - p.holds[0].start_s == pytest.approx(1.0, abs=0.1)
    assert st[-1].stage == "rest"
    assert "Foot down after" in st[-1].detail


def test_baseline_restarts_when_the_person_leaves():
    p = GuidedProtocol(FAST)
    t, _ = run(p, 0.0, 0.8, lambda t: obs())
    assert p.stage == "baseline"
    nobody = observe(None, None, W, H)
    t, st = run(p, t, 0.7, lambda t: nobody)
    assert st[-1].stage == "framing"
    assert any("lost sight" in s.detail for s in st)
    assert "nobody" in st[-1].detail
    t, st = run(p, t, 0.7, lambda t: obs())
    assert st[-1].stage == "baseline"


def test_framing_problem_is_the_prompt_detail():
    p = GuidedProtocol(FAST)
    s = p.step(0.0, obs(scale=0.4))
    assert s.stage == "framing" and s.detail.startswith("Come closer")


# -- session ------------------------------------------------------------------------------

class FakePose:
    """Replays hand-made landmarks; records the frames it was given."""

    def __init__(self, make):
        self.make = make
        self.seen_first_pixels = []
        self.closed = False

    def process(self, rgb, t_s):
        self.seen_first_pixels.append(int(rgb[0, 0, 0]))
        xy = self.make(t_s)
        return PoseFrame(t_s=t_s, xy_px=xy, visibility=np.ones(33), presence=np.ones(33),
                         world_xyz_m=np.full((33, 3), np.nan), n_people=1)

    def close(self):
        self.closed = True


def test_session_runs_pose_on_the_unmirrored_frame_and_records(tmp_path):
    pose = FakePose(lambda t: body())
    session = LiveSession(pose, tmp_path / "live.mp4", timings=FAST)
    frame = np.zeros((H, W, 3), np.uint8)
    frame[:, 0] = 200          # a marked left column: mirrored, it would be on the right
    previews = []
    t = 0.0
    for _ in range(60):
        previews.append(session.process(frame, t))
        t += 1 / 20
    assert pose.seen_first_pixels and set(pose.seen_first_pixels) == {200}
    assert previews[-1].shape == frame.shape
    assert previews[-1][H // 2, W - 1, 0] == 200 and previews[-1][H // 2, 0, 0] != 200
    assert session.status().stage in ("baseline", "countdown", "lift")
    assert session.recorded_s > 1.0
    path = session.finish()
    assert path is not None and path.stat().st_size > 0 and pose.closed
    assert session.finish() == path  # idempotent


def test_next_status_times_out_when_no_frame_comes(tmp_path):
    session = LiveSession(FakePose(lambda t: body()), tmp_path / "q.mp4", timings=FAST)
    started = time.monotonic()
    assert session.next_status(timeout_s=0.2) is None
    assert time.monotonic() - started >= 0.15
    assert session.next_status(timeout_s=0) is None
    assert session.status().prompt == "Starting the camera..."
    with pytest.raises(ValueError, match="timeout_s"):
        session.next_status(timeout_s=-1)


def test_a_waiting_reader_is_woken_by_a_new_status(tmp_path):
    session = LiveSession(FakePose(lambda t: body()), tmp_path / "q.mp4", timings=FAST)
    got = []
    reader = threading.Thread(target=lambda: got.append(session.next_status(timeout_s=30)))
    started = time.monotonic()
    reader.start()
    session.process(np.zeros((H, W, 3), np.uint8), 0.0)
    reader.join(timeout=30)
    assert not reader.is_alive() and time.monotonic() - started < 10
    assert got == [session.status()] and got[0].prompt == "Good - stay like that."
    assert session.next_status(timeout_s=0) is None   # read once


def test_the_newest_status_replaces_an_unread_one(tmp_path):
    session = LiveSession(FakePose(lambda t: body()), tmp_path / "q.mp4", timings=FAST)
    frame = np.zeros((H, W, 3), np.uint8)
    t = 0.0
    while session.status().stage != "baseline":
        session.process(frame, t)
        t += DT
    latest = session.status()
    assert session.next_status(timeout_s=0) is latest
    assert session.next_status(timeout_s=0) is None
    session.finish()


class BlockingPose(FakePose):
    """A pose backend that holds each frame until the test releases it."""

    def __init__(self, make):
        super().__init__(make)
        self.entered, self.release = threading.Event(), threading.Event()

    def process(self, rgb, t_s):
        self.entered.set()
        assert self.release.wait(timeout=30), "the test never released the frame"
        return super().process(rgb, t_s)


def test_pose_inference_blocks_neither_the_status_nor_finish(tmp_path):
    pose = BlockingPose(lambda t: body())
    session = LiveSession(pose, tmp_path / "q.mp4", timings=FAST)
    previews = []
    worker = threading.Thread(target=lambda: previews.append(
        session.process(np.zeros((H, W, 3), np.uint8), 0.0)))
    worker.start()
    assert pose.entered.wait(timeout=30)
    # the frame is in the pose backend: the page still reads the status, and finish()
    # returns at once, leaving the backend to be closed when the frame comes out of it
    assert session.status().prompt == "Starting the camera..."
    assert session.finish() is None and not pose.closed
    pose.release.set()
    worker.join(timeout=30)
    assert not worker.is_alive() and pose.closed and len(previews) == 1
    # that frame came too late: no status from it, and later frames skip the pose backend
    assert session.next_status(timeout_s=0) is None
    session.process(np.zeros((H, W, 3), np.uint8), 0.1)
    assert session.frames_seen == 1


def test_lazy_pose_builds_on_first_frame_and_closes():
    from screening.live import LazyPose

    built = []

    def factory():
        built.append(FakePose(lambda t: body()))
        return built[-1]

    lazy = LazyPose(factory)
    assert built == []
    lazy.process(np.zeros((4, 4, 3), np.uint8), 0.0)
    lazy.process(np.zeros((4, 4, 3), np.uint8), 0.1)
    assert len(built) == 1
    lazy.close()
    assert built[0].closed


def test_baseline_is_taken_on_two_legs_only():
    # a foot held up while the test asks for both legs: that is no baseline, and the live
    # angle is never computed against it (it once read -53.8 deg in this situation)
    p = GuidedProtocol(FAST)
    t, _ = run(p, 0.0, 0.6, lambda t: obs())
    assert p.stage == "baseline"
    t, st = run(p, t, 2.0, lambda t: obs(lift="right", hip_tilt_deg=20))
    assert st[-1].stage == "baseline" and "BOTH feet" in st[-1].prompt
    assert not np.isfinite(p.baseline_obliquity_deg)
    t, st = run(p, t, FAST.baseline_s + 0.1, lambda t: obs())
    assert st[-1].stage == "countdown"
    assert p.baseline_obliquity_deg == pytest.approx(0.0, abs=1e-6)


def _protocol_script(t: float) -> np.ndarray:
    """A person following the guided test (FAST timings): the left foot up at 3.0-3.8 s, the
    pelvis dropping 5 deg on that side from 4.3 to 4.8 s, the foot down at 6.6 s; the
    right foot up at 8.5-9.3 s with the pelvis rising 2 deg on that side, down at 12.0 s."""
    def ramp(t0, t1):
        return float(np.clip((t - t0) / (t1 - t0), 0.0, 1.0))

    if 3.0 <= t < 6.6:
        lifted, drop = "left", 5.0 * ramp(4.3, 4.8)
        up = ramp(3.0, 3.8)
    elif 8.5 <= t < 12.0:
        lifted, drop = "right", -2.0 * ramp(9.9, 10.3)
        up = ramp(8.5, 9.3)
    else:
        return body()
    xy = body(lift=lifted, hip_tilt_deg=-drop if lifted == "left" else drop,
              foot_down_px=80 * math.sin(math.radians(drop)))
    ankle = LEFT_ANKLE if lifted == "left" else RIGHT_ANKLE
    xy[ankle, 1] += (1 - up) * (0.25 * 220 - 80 * math.sin(math.radians(drop)))
    return xy


def test_live_and_recorded_drop_agree_on_the_same_frames():
    """The live readout and the recording's analysis run the same estimator code: fed the
    same frames, their hold medians agree within 0.3 deg. (The readout's display smoothing
    is left out: it is a choice of the display, not of the measurement.)"""
    from screening.analysis import analyse_landmarks
    from screening.config import Config
    from screening.landmarks import LandmarkSeries

    times = np.round(np.arange(0.0, 14.0, DT), 6)
    frames = [_protocol_script(t) for t in times]
    p = GuidedProtocol(FAST, smoothing_s=0.0)
    live: dict[str, list[float]] = {"left": [], "right": []}
    for t, xy in zip(times, frames, strict=True):
        status = p.step(t, observe(xy, VIS, W, H))
        if status.stage == "hold" and status.drop_deg is not None:
            live[status.side].append(status.drop_deg)
    assert [h.side for h in p.holds] == ["left", "right"]

    n = len(times)
    series = LandmarkSeries(t_s=times, xy_px=np.stack(frames), visibility=np.ones((n, 33)),
                            presence=np.ones((n, 33)), world_xyz_m=np.zeros((n, 33, 3)),
                            n_people=np.ones(n, int), luma_mean=np.full(n, 120.0),
                            width_px=W, height_px=H)
    analysis = analyse_landmarks(series, Config().with_changes(estimator="leg"))
    recorded = {t.hold.lifted_side: t.metrics.drop_median_deg for t in analysis.holds}
    assert set(recorded) == {"left", "right"}
    for side, expected in (("left", 5.0), ("right", -2.0)):
        assert len(live[side]) > 10
        live_median = float(np.median(live[side]))
        assert live_median == pytest.approx(recorded[side], abs=0.3), side
        # and both see the drop the script made (leg and hip parts, with their gains)
        assert recorded[side] == pytest.approx(expected * (LEG_FIT.leg_gain + LEG_FIT.hip_gain),
                                               abs=0.5), side
