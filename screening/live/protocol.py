"""The guided protocol of the webcam test: a state machine fed one observation per frame.

The stages (times in :class:`LiveTimings`):

    framing -> baseline (both legs) -> countdown -> lift LEFT -> hold LEFT
            -> rest (both legs) -> countdown -> lift RIGHT -> hold RIGHT -> final -> done

Each :class:`Stage` has one handler method; :meth:`GuidedProtocol.step` calls the handler of
the current stage. A handler that moves to another stage runs the new stage's handler on
the same frame, so a frame is never lost between two stages.

The live pelvic drop is computed by the recording's own estimator code in streaming form
(:class:`screening.estimators.LegStream`): the same formula, gains and reference (the
first second after the lift is seen), so it can first be shown one second into the hold.
It is guidance only: the result comes from the analysis of the recording.

Long because it is one state machine: the handlers of the stages share the protocol's
state and are read in the order a test runs through them, next to the timings they wait
for and the status they report, so that one file shows the whole protocol.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, fields, replace
from enum import Enum

import numpy as np

from ..estimators import LEG_FIT, LegCoefficients, LegStream, TwoLegBaseline
from ..landmarks import other_side
from .framing import Observation

# ---------------------------------------------------------------------------------------
# timings


@dataclass(frozen=True)
class LiveTimings:
    """Durations of the guided protocol, in seconds."""

    framing_ok_s: float = 1.0     # framing must stay good this long before we start
    baseline_s: float = 3.0       # standing on both legs
    countdown_s: float = 3.0      # before each lift
    hold_s: float = 30.0          # the standard single-leg stance (Hardcastle & Nade 1985)
    lift_wait_s: float = 6.0      # the hold timer starts anyway if no lift is seen by then
    rest_s: float = 5.0           # both legs between the two sides
    final_s: float = 2.0          # both legs at the end
    lost_s: float = 1.5           # nobody in view this long during the baseline: start again
    foot_down_s: float = 0.7      # the lifted foot down this long ends the hold early

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if not (isinstance(value, (int, float)) and math.isfinite(value) and value >= 0):
                raise ValueError(f"LiveTimings.{f.name} must be a number >= 0, got {value!r}")
        if self.hold_s <= 0:
            raise ValueError("LiveTimings.hold_s must be > 0")

    @classmethod
    def parse(cls, text: str, base: LiveTimings | None = None) -> LiveTimings:
        """From ``"hold=5,baseline=1"`` (names with or without ``_s``); unknown names fail."""
        base = base or cls()
        names = {f.name for f in fields(cls)}
        changes: dict[str, float] = {}
        for part in filter(None, (p.strip() for p in text.split(","))):
            key, sep, value = part.partition("=")
            key = key.strip()
            if not sep:
                raise ValueError(f"expected name=seconds, got {part!r}")
            if key not in names and f"{key}_s" in names:
                key = f"{key}_s"
            if key not in names:
                raise ValueError(f"unknown timing {key!r}; known: {', '.join(sorted(names))}")
            try:
                changes[key] = float(value)
            except ValueError:
                raise ValueError(f"{key}: {value!r} is not a number of seconds") from None
        return replace(base, **changes)


# ---------------------------------------------------------------------------------------
# what the protocol says


class Stage(str, Enum):
    """The stages of the guided test, in their order (countdown, lift, hold and rest come
    once per side). A stage compares equal to its name, e.g. ``Stage.HOLD == "hold"``."""

    FRAMING = "framing"
    BASELINE = "baseline"
    COUNTDOWN = "countdown"
    LIFT = "lift"
    HOLD = "hold"
    REST = "rest"
    FINAL = "final"
    DONE = "done"

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True)
class HoldRecord:
    side: str               # the lifted side
    start_s: float
    end_s: float
    lift_seen: bool         # the foot was seen coming up (else the timer started on its own)
    ended_early: bool       # the foot came down before the full time


@dataclass(frozen=True)
class LiveStatus:
    """A snapshot for the page and the overlay."""

    stage: Stage
    prompt: str
    detail: str = ""
    side: str | None = None          # the side to lift in countdown / lift / hold
    seconds_left: float | None = None
    hold_elapsed_s: float | None = None
    drop_deg: float | None = None    # live pelvic drop on the lifted side (guidance only)
    recording: bool = False
    holds: tuple[HoldRecord, ...] = ()

    @property
    def done(self) -> bool:
        return self.stage == Stage.DONE

    def overlay_lines(self) -> list[str]:
        lines = [self.prompt]
        if self.hold_elapsed_s is not None:
            lines.append(f"hold {self.hold_elapsed_s:4.1f} s")
        if self.drop_deg is not None and math.isfinite(self.drop_deg):
            lines.append(f"pelvic drop {self.drop_deg:+.1f} deg")
        if self.detail:
            lines.append(self.detail)
        if self.recording:
            lines.append("REC")
        return lines


# ---------------------------------------------------------------------------------------
# the state machine

# a stage's handler: (frame time t_s, the frame's observation, seconds since the stage
# began) -> the status to show for this frame
StageHandler = Callable[[float, Observation, float], LiveStatus]


class GuidedProtocol:
    """The state machine of the guided test. Feed it ``step(t_s, observation)`` per frame.

    Time is the frame timestamp, never the wall clock, so it is deterministic in tests.
    """

    def __init__(self, timings: LiveTimings = LiveTimings(), *, first_side: str = "left",
                 lift_threshold: float = 0.06, smoothing_s: float = 0.25,
                 leg: LegCoefficients = LEG_FIT) -> None:
        other_side(first_side)  # validates
        self.timings = timings
        self.sides = (first_side, other_side(first_side))
        self.lift_threshold = lift_threshold
        self.smoothing_s = smoothing_s
        self.leg = leg
        self.stage = Stage.FRAMING
        self._handlers: dict[Stage, StageHandler] = {
            Stage.FRAMING: self._on_framing,
            Stage.BASELINE: self._on_baseline,
            Stage.COUNTDOWN: self._on_countdown,
            Stage.LIFT: self._on_lift,
            Stage.HOLD: self._on_hold,
            Stage.REST: self._on_rest,
            Stage.FINAL: self._on_final,
            Stage.DONE: self._on_done,
        }
        self._side_index = 0
        self._stage_start: float | None = None
        self._framing_since: float | None = None
        self._lost_since: float | None = None
        self._baseline_obliquity: list[float] = []
        self._baseline_raise: list[float] = []
        self._baseline_hip_width: list[float] = []
        self._two_leg_s = 0.0                    # time on two legs counted for the baseline
        self._baseline_prev_t: float | None = None
        self.baseline_obliquity_deg = float("nan")
        self.baseline_raise = 0.0
        self.baseline_hip_width_px = float("nan")
        self._stream: LegStream | None = None  # the hold's drop, from the lift seen on
        self._smooth_drop: float | None = None
        self._last_t: float | None = None
        self._lift_seen = False
        self._foot_down_since: float | None = None
        self.holds: list[HoldRecord] = []
        self.recording_started_s: float | None = None

    # -- helpers --------------------------------------------------------------------------
    @property
    def side(self) -> str:
        return self.sides[min(self._side_index, 1)]

    @property
    def recording(self) -> bool:
        return self.stage not in (Stage.FRAMING, Stage.DONE)

    def _status(self, prompt: str, detail: str = "", **values) -> LiveStatus:
        """The status of the current stage, with the holds done so far."""
        return LiveStatus(self.stage, prompt, detail, recording=self.recording,
                          holds=tuple(self.holds), **values)

    def _enter(self, stage: Stage, t_s: float) -> None:
        self.stage = stage
        self._stage_start = t_s
        if stage == Stage.FRAMING:
            self._framing_since = None
        if stage == Stage.BASELINE:
            self._baseline_obliquity, self._baseline_raise = [], []
            self._baseline_hip_width = []
            self._two_leg_s, self._baseline_prev_t = 0.0, None
            self._lost_since = None
            if self.recording_started_s is None:
                self.recording_started_s = t_s
        if stage == Stage.LIFT:
            self._lift_seen = False
            self._foot_down_since = None
            self._smooth_drop = None

    def _move_to(self, stage: Stage, t_s: float, obs: Observation) -> LiveStatus:
        """Enter ``stage`` at ``t_s`` and run it on the same frame."""
        self._enter(stage, t_s)
        return self._step(t_s, obs)

    def _enter_hold(self, t_s: float, *, lift_seen: bool) -> None:
        self.stage = Stage.HOLD
        self._stage_start = t_s
        self._lift_seen = lift_seen
        self._foot_down_since = None
        self._stream = None
        self._smooth_drop = None
        if lift_seen:
            self._start_stream(t_s)

    def _start_stream(self, t_s: float) -> None:
        """The lift is seen now: the hold's drop is measured from here on."""
        baseline = TwoLegBaseline(self.baseline_obliquity_deg, self.baseline_hip_width_px)
        self._stream = (LegStream(self.side, baseline, t_s, self.leg) if baseline.usable
                        else None)
        self._smooth_drop = None

    def _both_feet_down(self, obs: Observation) -> bool:
        """Neither ankle is raised above the other by the lift threshold (the two-leg
        baseline must be taken on two legs; on two legs a tilted or turned camera already
        puts one ankle a little higher in the picture)."""
        return math.isfinite(obs.ankle_raise) and abs(obs.ankle_raise) < self.lift_threshold

    def _raise_of(self, obs: Observation, side: str) -> float:
        """How far ``side``'s ankle is above the other one (leg lengths, baseline removed)."""
        if not math.isfinite(obs.ankle_raise):
            return float("nan")
        value = obs.ankle_raise - self.baseline_raise
        return value if side == "left" else -value

    def live_drop_deg(self, t_s: float, obs: Observation) -> float:
        """The hold's drop for this frame, from the recording's own estimator in streaming
        form; NaN before the lift is seen, while its reference is taken (the first second)
        and where the frame lacks landmarks."""
        if self._stream is None or obs.xy_px is None:
            return float("nan")
        return self._stream.add(t_s, obs.xy_px)

    def _smoothed(self, value: float, t_s: float) -> float | None:
        if not math.isfinite(value):
            return self._smooth_drop
        if self._smooth_drop is None or self._last_t is None or self.smoothing_s <= 0:
            self._smooth_drop = value
        else:
            alpha = 1.0 - math.exp(-max(t_s - self._last_t, 0.0) / self.smoothing_s)
            self._smooth_drop += alpha * (value - self._smooth_drop)
        return self._smooth_drop

    # -- the machine ----------------------------------------------------------------------
    def step(self, t_s: float, obs: Observation) -> LiveStatus:
        status = self._step(t_s, obs)
        self._last_t = t_s
        return status

    def _step(self, t_s: float, obs: Observation) -> LiveStatus:
        if self._stage_start is None:
            self._stage_start = t_s
        return self._handlers[self.stage](t_s, obs, t_s - self._stage_start)

    # -- one handler per stage ------------------------------------------------------------
    def _on_framing(self, t_s: float, obs: Observation, elapsed_s: float) -> LiveStatus:
        if not obs.framing.ok:
            self._framing_since = None
            return self._status("Get into position.", obs.framing.problems[0]
                                if obs.framing.problems else "")
        self._framing_since = t_s if self._framing_since is None else self._framing_since
        if t_s - self._framing_since >= self.timings.framing_ok_s:
            return self._move_to(Stage.BASELINE, t_s, obs)
        return self._status("Good - stay like that.", "Checking the framing...")

    def _on_baseline(self, t_s: float, obs: Observation, elapsed_s: float) -> LiveStatus:
        tm = self.timings
        if not obs.found:
            self._baseline_prev_t = None
            self._lost_since = t_s if self._lost_since is None else self._lost_since
            if t_s - self._lost_since >= tm.lost_s:
                self._enter(Stage.FRAMING, t_s)
                return self._status("Get into position.",
                                    "We lost sight of you: step back into the picture.")
        elif not self._both_feet_down(obs):
            # a foot is up: no part of a two-leg baseline; the time on two legs is
            # counted again from the next two-leg frame (never across the lift)
            self._lost_since = None
            self._baseline_prev_t = None
            return self._status("Put BOTH feet on the floor and stand still.",
                                "The test starts from a moment on both legs.",
                                seconds_left=max(tm.baseline_s - self._two_leg_s, 0.0))
        else:
            self._lost_since = None
            if self._baseline_prev_t is not None:
                self._two_leg_s += t_s - self._baseline_prev_t
            self._baseline_prev_t = t_s
            if math.isfinite(obs.obliquity_deg):
                self._baseline_obliquity.append(obs.obliquity_deg)
            if math.isfinite(obs.ankle_raise):
                self._baseline_raise.append(obs.ankle_raise)
            if math.isfinite(obs.hip_width_px):
                self._baseline_hip_width.append(obs.hip_width_px)
        if self._two_leg_s >= tm.baseline_s and self._baseline_obliquity:
            self.baseline_obliquity_deg = float(np.median(self._baseline_obliquity))
            self.baseline_raise = (float(np.median(self._baseline_raise))
                                   if self._baseline_raise else 0.0)
            self.baseline_hip_width_px = (float(np.median(self._baseline_hip_width))
                                          if self._baseline_hip_width else float("nan"))
            return self._move_to(Stage.COUNTDOWN, t_s, obs)
        return self._status("Stand still on BOTH legs.", "Feet hip-width apart, arms relaxed.",
                            seconds_left=max(tm.baseline_s - self._two_leg_s, 0.0))

    def _on_countdown(self, t_s: float, obs: Observation, elapsed_s: float) -> LiveStatus:
        if elapsed_s >= self.timings.countdown_s:
            return self._move_to(Stage.LIFT, t_s, obs)
        left_s = self.timings.countdown_s - elapsed_s
        return self._status(f"Get ready to lift your {self.side.upper()} foot: "
                            f"{math.ceil(left_s)}", side=self.side, seconds_left=left_s)

    def _on_lift(self, t_s: float, obs: Observation, elapsed_s: float) -> LiveStatus:
        raised = self._raise_of(obs, self.side)
        if math.isfinite(raised) and raised >= self.lift_threshold:
            self._enter_hold(t_s, lift_seen=True)
            return self._step(t_s, obs)
        if elapsed_s >= self.timings.lift_wait_s:
            self._enter_hold(t_s, lift_seen=False)
            return self._step(t_s, obs)
        return self._status(f"Lift your {self.side.upper()} foot and hold it.",
                            "Bend the knee so the foot clears the floor; keep the thigh "
                            "roughly vertical.", side=self.side)

    def _on_hold(self, t_s: float, obs: Observation, elapsed_s: float) -> LiveStatus:
        tm = self.timings
        raised = self._raise_of(obs, self.side)
        if math.isfinite(raised) and raised >= self.lift_threshold:
            if not self._lift_seen:  # the timer started before the lift: new reference
                self._start_stream(t_s)
            self._lift_seen = True
            self._foot_down_since = None
        elif self._lift_seen and math.isfinite(raised):
            self._foot_down_since = (t_s if self._foot_down_since is None
                                     else self._foot_down_since)
        drop = self._smoothed(self.live_drop_deg(t_s, obs), t_s)
        foot_down = (self._foot_down_since is not None
                     and t_s - self._foot_down_since >= tm.foot_down_s)
        timed_out = elapsed_s >= tm.hold_s
        if timed_out or foot_down:
            early = foot_down and not timed_out
            end_s = self._foot_down_since if early else t_s
            self.holds.append(HoldRecord(self.side, self._stage_start, end_s,
                                         self._lift_seen, early))
            self._side_index += 1
            return self._move_to(Stage.REST if self._side_index < 2 else Stage.FINAL, t_s,
                                 obs)
        detail = ("We cannot see the foot lifted yet - lift it." if not self._lift_seen
                  else "Measuring your starting position..." if drop is None
                  else "Keep the lifted foot still, at the same height: a foot that "
                  "sinks looks like a pelvic drop to the camera.")
        return self._status(f"Keep your {self.side.upper()} foot up: "
                            f"{math.ceil(tm.hold_s - elapsed_s)} s left", detail,
                            side=self.side, seconds_left=tm.hold_s - elapsed_s,
                            hold_elapsed_s=elapsed_s, drop_deg=drop)

    def _on_rest(self, t_s: float, obs: Observation, elapsed_s: float) -> LiveStatus:
        if elapsed_s >= self.timings.rest_s:
            return self._move_to(Stage.COUNTDOWN, t_s, obs)
        last = self.holds[-1] if self.holds else None
        note = (f"Foot down after {last.end_s - last.start_s:.0f} s." if last and
                last.ended_early else "")
        return self._status("Put your foot down and stand on both legs.", note,
                            seconds_left=self.timings.rest_s - elapsed_s)

    def _on_final(self, t_s: float, obs: Observation, elapsed_s: float) -> LiveStatus:
        if elapsed_s >= self.timings.final_s:
            return self._move_to(Stage.DONE, t_s, obs)
        return self._status("Both feet down - stand still a moment.",
                            seconds_left=self.timings.final_s - elapsed_s)

    def _on_done(self, t_s: float, obs: Observation, elapsed_s: float) -> LiveStatus:
        return self._status("Done - analysing the recording.")
