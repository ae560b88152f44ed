"""Each stage of the guided protocol and where it goes next, with hand-made observations.

No landmarks here: an observation is written by hand (framing verdict, ankle raise, pelvis
line), so each test says exactly what the stage sees. Times are multiples of 0.25 s, exact
in binary, so no transition depends on rounding.
"""

from __future__ import annotations

import pytest

from screening.live import FramingCheck, GuidedProtocol, LiveTimings, Observation, Stage

T = LiveTimings(framing_ok_s=1.0, baseline_s=1.0, countdown_s=1.0, lift_wait_s=2.0,
                hold_s=3.0, rest_s=1.0, final_s=1.0, lost_s=0.5, foot_down_s=0.5)
DT = 0.25


def seen(*, ankle_raise: float = 0.0, obliquity_deg: float = 0.0, hip_width_px: float = 80.0,
         framed: bool = True) -> Observation:
    """A person in view; ``ankle_raise`` > 0 is the left ankle above the right (leg
    lengths)."""
    framing = FramingCheck(True) if framed else FramingCheck(False, ("Come closer.",))
    return Observation(True, framing, obliquity_deg, ankle_raise, hip_width_px)


NOBODY = Observation(False, FramingCheck(False, ("Step into the picture: nobody is in view.",)))
STANDING = seen()
LIFTED = {"left": seen(ankle_raise=0.25), "right": seen(ankle_raise=-0.25)}


def feed(p: GuidedProtocol, obs: Observation, t0_s: float, t1_s: float) -> list:
    """Step ``p`` with ``obs`` every DT from ``t0_s`` up to, not including, ``t1_s``."""
    return [p.step(k * DT, obs) for k in range(round(t0_s / DT), round(t1_s / DT))]


def reach(stage: Stage, nth: int = 1, timings: LiveTimings = T):
    """A protocol following the test (standing, the asked foot lifted at once) up to the
    first frame of the ``nth`` time in ``stage``: (protocol, that frame's status, time of
    the next frame)."""
    p = GuidedProtocol(timings)
    seen_times, before = 0, None
    for k in range(400):
        obs = LIFTED[p.side] if p.stage in (Stage.LIFT, Stage.HOLD) else STANDING
        status = p.step(k * DT, obs)
        if status.stage == stage and before != stage:
            seen_times += 1
            if seen_times == nth:
                return p, status, (k + 1) * DT
        before = status.stage
    raise AssertionError(f"never reached {stage} #{nth}")


def test_every_stage_is_visited_in_order_on_a_whole_test():
    p = GuidedProtocol(T)
    visited: list[Stage] = []
    for k in range(100):
        obs = LIFTED[p.side] if p.stage in (Stage.LIFT, Stage.HOLD) else STANDING
        stage = p.step(k * DT, obs).stage
        if not visited or visited[-1] != stage:
            visited.append(stage)
    assert visited == [Stage.FRAMING, Stage.BASELINE, Stage.COUNTDOWN, Stage.LIFT,
                       Stage.HOLD, Stage.REST, Stage.COUNTDOWN, Stage.LIFT, Stage.HOLD,
                       Stage.FINAL, Stage.DONE]
    assert set(visited) == set(Stage)


def test_a_stage_compares_equal_to_its_name():
    assert Stage.HOLD == "hold" and str(Stage.HOLD) == "hold" and Stage("rest") is Stage.REST


# -- framing ------------------------------------------------------------------------------

def test_framing_needs_good_framing_for_framing_ok_s_without_a_break():
    p = GuidedProtocol(T)
    assert p.step(0.0, STANDING).prompt == "Good - stay like that."
    bad = p.step(0.5, seen(framed=False))
    assert bad.stage == Stage.FRAMING and bad.detail == "Come closer." and not bad.recording
    statuses = feed(p, STANDING, 0.75, 1.75)         # the clock starts again at 0.75
    assert {s.stage for s in statuses} == {Stage.FRAMING}
    status = p.step(1.75, STANDING)
    assert status.stage == Stage.BASELINE and status.recording
    assert p.recording_started_s == 1.75


def test_framing_says_nobody_is_in_view():
    status = GuidedProtocol(T).step(0.0, NOBODY)
    assert status.stage == Stage.FRAMING and "nobody" in status.detail


# -- baseline -----------------------------------------------------------------------------

def test_baseline_takes_the_medians_of_its_two_leg_frames_then_counts_down():
    p, status, t = reach(Stage.BASELINE)
    assert status.seconds_left == T.baseline_s
    statuses = [p.step(t + i * DT, seen(obliquity_deg=obliquity_deg, ankle_raise=0.02,
                                        hip_width_px=90.0))
                for i, obliquity_deg in enumerate([1.0, 4.0, 3.0, 4.0])]
    assert [s.stage for s in statuses] == [Stage.BASELINE] * 3 + [Stage.COUNTDOWN]
    assert [s.seconds_left for s in statuses[:3]] == [0.75, 0.5, 0.25]
    # the frame that entered the baseline (level, 80 px hips) counts too: 0, 1, 4, 3, 4
    assert p.baseline_obliquity_deg == pytest.approx(3.0)
    assert p.baseline_raise == pytest.approx(0.02)
    assert p.baseline_hip_width_px == pytest.approx(90.0)


def test_baseline_does_not_count_time_with_a_foot_up():
    p, _, t = reach(Stage.BASELINE)
    statuses = feed(p, LIFTED["right"], t, t + 2.0)
    assert {s.stage for s in statuses} == {Stage.BASELINE}
    assert statuses[-1].prompt.startswith("Put BOTH feet")
    assert statuses[-1].seconds_left == T.baseline_s  # the frame before the lift counted 0 s
    statuses = feed(p, STANDING, t + 2.0, t + 3.25)
    assert statuses[-2].stage == Stage.BASELINE and statuses[-1].stage == Stage.COUNTDOWN


def test_baseline_starts_again_from_framing_when_nobody_is_seen_for_lost_s():
    p, _, t = reach(Stage.BASELINE)
    statuses = feed(p, NOBODY, t, t + T.lost_s + DT)
    assert [s.stage for s in statuses] == [Stage.BASELINE] * 2 + [Stage.FRAMING]
    assert "lost sight" in statuses[-1].detail and not statuses[-1].recording
    # a short gap only pauses the two-leg clock: the gap frame and the interval after it
    # do not count, so the countdown comes 0.5 s later than on two legs all along
    p, _, t = reach(Stage.BASELINE)
    feed(p, NOBODY, t, t + DT)
    statuses = feed(p, STANDING, t + DT, t + 1.5)
    assert statuses[-2].stage == Stage.BASELINE and statuses[-1].stage == Stage.COUNTDOWN
    assert p.step(t + 1.5, STANDING).stage == Stage.COUNTDOWN


# -- countdown and lift -------------------------------------------------------------------

def test_countdown_names_the_side_and_then_asks_for_the_lift():
    p, status, t = reach(Stage.COUNTDOWN)
    assert status.side == "left" and status.prompt.endswith("LEFT foot: 1")
    statuses = feed(p, STANDING, t, t + T.countdown_s)
    assert [s.stage for s in statuses] == [Stage.COUNTDOWN] * 3 + [Stage.LIFT]
    assert [s.seconds_left for s in statuses[:3]] == [0.75, 0.5, 0.25]
    assert statuses[-1].prompt == "Lift your LEFT foot and hold it."


def test_a_zero_countdown_moves_on_within_the_same_frame():
    p, status, _ = reach(Stage.LIFT, timings=LiveTimings.parse("countdown=0", T))
    assert p.stage == Stage.LIFT and status.stage == Stage.LIFT
    assert status.seconds_left is None


def test_lift_of_the_asked_foot_starts_the_hold():
    p, _, t = reach(Stage.LIFT)
    wrong = p.step(t, LIFTED["right"])               # the other foot is not the lift
    assert wrong.stage == Stage.LIFT
    status = p.step(t + DT, LIFTED["left"])
    assert status.stage == Stage.HOLD and status.hold_elapsed_s == 0.0
    assert "starting position" in status.detail      # the lift is seen: reference next


def test_hold_timer_starts_after_lift_wait_s_without_a_lift():
    p, _, t = reach(Stage.LIFT)
    start = t - DT
    statuses = feed(p, STANDING, t, start + T.lift_wait_s + DT)
    assert statuses[-2].stage == Stage.LIFT and statuses[-1].stage == Stage.HOLD
    assert "cannot see the foot" in statuses[-1].detail


# -- hold ---------------------------------------------------------------------------------

def test_hold_runs_hold_s_then_rest():
    p, status, t = reach(Stage.HOLD)
    start = t - DT
    assert status.prompt == "Keep your LEFT foot up: 3 s left"
    statuses = feed(p, LIFTED["left"], t, start + T.hold_s + DT)
    assert statuses[-2].stage == Stage.HOLD and statuses[-2].seconds_left == DT
    assert statuses[-1].stage == Stage.REST and statuses[-1].side is None
    (hold,) = p.holds
    assert (hold.side, hold.start_s, hold.end_s) == ("left", start, start + T.hold_s)
    assert hold.lift_seen and not hold.ended_early
    assert statuses[-1].holds == (hold,)


def test_hold_ends_early_once_the_foot_is_down_for_foot_down_s():
    p, _, t = reach(Stage.HOLD)
    start = t - DT
    feed(p, LIFTED["left"], t, t + 1.0)
    short = feed(p, STANDING, t + 1.0, t + 1.0 + T.foot_down_s)  # down, not long enough
    assert {s.stage for s in short} == {Stage.HOLD}
    feed(p, LIFTED["left"], t + 1.5, t + 2.0)
    statuses = feed(p, STANDING, t + 2.0, t + 2.0 + T.foot_down_s + DT)
    assert statuses[-2].stage == Stage.HOLD and statuses[-1].stage == Stage.REST
    (hold,) = p.holds
    assert hold.ended_early and hold.end_s == t + 2.0 and hold.start_s == start
    assert statuses[-1].detail == "Foot down after 2 s."


def test_a_late_lift_during_the_hold_counts_as_seen():
    p, _, t = reach(Stage.LIFT)
    hold_start = t - DT + T.lift_wait_s
    feed(p, STANDING, t, hold_start + DT)
    assert p.stage == Stage.HOLD
    status = p.step(hold_start + DT, LIFTED["left"])
    assert status.stage == Stage.HOLD and "starting position" in status.detail
    feed(p, LIFTED["left"], hold_start + 2 * DT, hold_start + T.hold_s + DT)
    assert p.holds[0].lift_seen and p.holds[0].start_s == hold_start


# -- rest, final, done --------------------------------------------------------------------

def test_rest_then_the_countdown_for_the_other_side():
    p, status, t = reach(Stage.REST)
    assert status.seconds_left == T.rest_s and status.recording
    statuses = feed(p, STANDING, t, t + T.rest_s)
    assert [s.stage for s in statuses] == [Stage.REST] * 3 + [Stage.COUNTDOWN]
    assert statuses[-1].side == "right" and "RIGHT" in statuses[-1].prompt


def test_the_second_hold_ends_in_final_then_done():
    p, status, t = reach(Stage.FINAL)
    assert [h.side for h in p.holds] == ["left", "right"]
    assert status.seconds_left == T.final_s and status.recording
    statuses = feed(p, STANDING, t, t + T.final_s)
    assert [s.stage for s in statuses] == [Stage.FINAL] * 3 + [Stage.DONE]
    done = statuses[-1]
    assert done.done and not done.recording and len(done.holds) == 2
    # done is the end: nothing moves it on
    later = feed(p, NOBODY, t + T.final_s, t + T.final_s + 1.0)
    assert all(s.done for s in later)


def test_first_side_right_starts_with_the_right_foot():
    p = GuidedProtocol(T, first_side="right")
    assert p.sides == ("right", "left")
    with pytest.raises(ValueError, match="side must be"):
        GuidedProtocol(T, first_side="middle")
