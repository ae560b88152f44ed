"""The guided webcam self-test: framing check, protocol state machine and recording.

Everything here is plain Python with no Streamlit and no camera, so it can be tested
with hand-made landmarks and a fake pose backend. The webcam callback (which runs in a
worker thread) talks to a :class:`LiveSession`; the page reads :meth:`LiveSession.status`
under the session's lock and never touches the callback's objects directly.

The protocol (times in :class:`LiveTimings`):

    framing -> baseline (both legs) -> countdown -> lift LEFT -> hold LEFT
            -> rest (both legs) -> countdown -> lift RIGHT -> hold RIGHT -> final -> done

The live numbers are guidance only. The live pelvic drop is computed by the recording's
own estimator code in streaming form (:class:`screening.estimators.LegStream`): the same
formula, gains and reference (the first second after the lift is seen), so it can first be
shown one second into the hold. The
recording (unmirrored frames with their real timestamps) is analysed afterwards by
:func:`screening.analyze_video`, exactly like an uploaded file, and only that analysis
produces a result.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass, field, fields, replace
from fractions import Fraction
from pathlib import Path

import numpy as np

from .config import RecordingConfig
from .estimators import (
    LEG_FIT,
    LegCoefficients,
    LegStream,
    TwoLegBaseline,
    hip_obliquity_deg,
)
from .landmarks import (
    LEFT_ANKLE,
    LEFT_HIP,
    LEFT_KNEE,
    LEFT_SHOULDER,
    NOSE,
    RIGHT_ANKLE,
    RIGHT_HIP,
    RIGHT_KNEE,
    RIGHT_SHOULDER,
    other_side,
)
from .phases import frontal_ratios

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
# one frame: framing, pelvis line and lifted foot

FRAMING_POINTS = (NOSE, LEFT_SHOULDER, RIGHT_SHOULDER, LEFT_HIP, RIGHT_HIP, LEFT_KNEE,
                  RIGHT_KNEE, LEFT_ANKLE, RIGHT_ANKLE)


@dataclass(frozen=True)
class FramingCheck:
    """Is the person framed well enough to measure? ``problems`` say what to change."""

    ok: bool
    problems: tuple[str, ...] = ()
    body_height_fraction: float = float("nan")
    frontal_ratio: float = float("nan")


def check_framing(xy_px: np.ndarray | None, visibility: np.ndarray | None, width: int,
                  height: int, *, min_visibility: float = 0.5,
                  min_height_fraction: float = 0.45,
                  min_frontal_ratio: float = RecordingConfig.min_frontal_ratio,
                  margin_fraction: float = 0.01) -> FramingCheck:
    """Whole body in view (head to ankles), tall enough in the picture, facing the camera.

    ``xy_px`` (33, 2) landmarks of an *unmirrored* frame of ``width`` x ``height`` pixels
    (NaN where not found); ``visibility`` (33,) in 0..1.
    """
    if xy_px is None or not np.any(np.isfinite(xy_px)):
        return FramingCheck(False, ("Step into the picture: nobody is in view.",))
    xy = np.asarray(xy_px, dtype=float)
    vis = np.ones(len(xy)) if visibility is None else np.nan_to_num(np.asarray(visibility, float))
    mx, my = margin_fraction * width, margin_fraction * height

    def seen(i: int) -> bool:
        x, y = xy[i]
        return bool(np.isfinite(x) and np.isfinite(y) and mx <= x <= width - mx
                    and my <= y <= height - my and vis[i] >= min_visibility)

    problems: list[str] = []
    if not (seen(LEFT_ANKLE) and seen(RIGHT_ANKLE)):
        problems.append("Step back or tilt the camera down: both feet must be in the picture.")
    if not seen(NOSE):
        problems.append("Step back or tilt the camera up: your head must be in the picture.")
    if not all(seen(i) for i in (LEFT_SHOULDER, RIGHT_SHOULDER, LEFT_HIP, RIGHT_HIP)):
        problems.append("Your hips and shoulders must be in view: stand in the middle of the "
                        "picture.")
    top = xy[NOSE, 1]
    bottom = np.nanmax(xy[[LEFT_ANKLE, RIGHT_ANKLE], 1]) if np.any(
        np.isfinite(xy[[LEFT_ANKLE, RIGHT_ANKLE], 1])) else np.nan
    height_fraction = float((bottom - top) / height) if np.isfinite(top) and np.isfinite(
        bottom) else float("nan")
    if np.isfinite(height_fraction) and height_fraction < min_height_fraction and not problems:
        problems.append(f"Come closer: you fill {100 * height_fraction:.0f}% of the picture "
                        f"height; {100 * min_height_fraction:.0f}% or more measures better.")
    ratio = float(frontal_ratios(xy))
    if np.isfinite(ratio) and ratio < min_frontal_ratio:
        problems.append("Turn to face the camera, so both hips are side by side.")
    return FramingCheck(not problems, tuple(problems), height_fraction, ratio)


def ankle_raise(xy: np.ndarray) -> float:
    """Left ankle height above the right one, in leg lengths (hip to ankle); NaN if unknown."""
    legs = [np.linalg.norm(xy[h] - xy[a]) for h, a in ((LEFT_HIP, LEFT_ANKLE),
                                                        (RIGHT_HIP, RIGHT_ANKLE))]
    leg = float(np.nanmean(legs)) if np.any(np.isfinite(legs)) else float("nan")
    if not (np.isfinite(leg) and leg > 0):
        return float("nan")
    return float((xy[RIGHT_ANKLE, 1] - xy[LEFT_ANKLE, 1]) / leg)


@dataclass(frozen=True)
class Observation:
    """What the protocol needs from one frame."""

    found: bool
    framing: FramingCheck
    obliquity_deg: float = float("nan")
    ankle_raise: float = float("nan")   # left ankle above right, leg lengths
    hip_width_px: float = float("nan")
    xy_px: np.ndarray | None = None     # (33, 2) landmarks of the frame, NaN where unknown


def observe(xy_px: np.ndarray | None, visibility: np.ndarray | None, width: int,
            height: int) -> Observation:
    framing = check_framing(xy_px, visibility, width, height)
    if xy_px is None or not np.any(np.isfinite(xy_px)):
        return Observation(False, framing)
    xy = np.asarray(xy_px, dtype=float)
    return Observation(True, framing, float(hip_obliquity_deg(xy)), ankle_raise(xy),
                       float(abs(xy[LEFT_HIP, 0] - xy[RIGHT_HIP, 0])), xy)


# ---------------------------------------------------------------------------------------
# the protocol


STAGES = ("framing", "baseline", "countdown", "lift", "hold", "rest", "final", "done")


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

    stage: str
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
        return self.stage == "done"

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
        self.stage = "framing"
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
        self._status = LiveStatus("framing", "Stand 2-3 m from the camera, facing it.")

    # -- helpers --------------------------------------------------------------------------
    @property
    def side(self) -> str:
        return self.sides[min(self._side_index, 1)]

    @property
    def recording(self) -> bool:
        return self.stage not in ("framing", "done")

    def _enter(self, stage: str, t_s: float) -> None:
        self.stage = stage
        self._stage_start = t_s
        if stage == "baseline":
            self._baseline_obliquity, self._baseline_raise = [], []
            self._baseline_hip_width = []
            self._two_leg_s, self._baseline_prev_t = 0.0, None
            self._lost_since = None
            if self.recording_started_s is None:
                self.recording_started_s = t_s
        if stage == "lift":
            self._lift_seen = False
            self._foot_down_since = None
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
        self._status = status
        return status

    def _step(self, t_s: float, obs: Observation) -> LiveStatus:
        tm = self.timings
        if self._stage_start is None:
            self._stage_start = t_s
        elapsed = t_s - self._stage_start
        done_holds = tuple(self.holds)

        if self.stage == "framing":
            if obs.framing.ok:
                self._framing_since = t_s if self._framing_since is None else self._framing_since
                if t_s - self._framing_since >= tm.framing_ok_s:
                    self._enter("baseline", t_s)
                    return self._step(t_s, obs)
                return LiveStatus("framing", "Good - stay like that.", "Checking the framing...",
                                  holds=done_holds)
            self._framing_since = None
            return LiveStatus("framing", "Get into position.", obs.framing.problems[0]
                              if obs.framing.problems else "", holds=done_holds)

        if self.stage == "baseline":
            if not obs.found:
                self._lost_since = t_s if self._lost_since is None else self._lost_since
                if t_s - self._lost_since >= tm.lost_s:
                    self.stage, self._framing_since = "framing", None
                    self._stage_start = t_s
                    return LiveStatus("framing", "Get into position.",
                                      "We lost sight of you: step back into the picture.",
                                      holds=done_holds)
            elif not self._both_feet_down(obs):
                # a foot is up: no part of a two-leg baseline; the time on two legs is
                # counted again from the next two-leg frame (never across the lift)
                self._lost_since = None
                self._baseline_prev_t = None
                return LiveStatus("baseline", "Put BOTH feet on the floor and stand still.",
                                  "The test starts from a moment on both legs.",
                                  seconds_left=max(tm.baseline_s - self._two_leg_s, 0.0),
                                  recording=True, holds=done_holds)
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
            if not obs.found:
                self._baseline_prev_t = None
            if self._two_leg_s >= tm.baseline_s and self._baseline_obliquity:
                self.baseline_obliquity_deg = float(np.median(self._baseline_obliquity))
                self.baseline_raise = (float(np.median(self._baseline_raise))
                                       if self._baseline_raise else 0.0)
                self.baseline_hip_width_px = (float(np.median(self._baseline_hip_width))
                                              if self._baseline_hip_width else float("nan"))
                self._enter("countdown", t_s)
                return self._step(t_s, obs)
            return LiveStatus("baseline", "Stand still on BOTH legs.",
                              "Feet hip-width apart, arms relaxed.",
                              seconds_left=max(tm.baseline_s - self._two_leg_s, 0.0),
                              recording=True, holds=done_holds)

        if self.stage == "countdown":
            if elapsed >= tm.countdown_s:
                self._enter("lift", t_s)
                return self._step(t_s, obs)
            left = tm.countdown_s - elapsed
            return LiveStatus("countdown", f"Get ready to lift your {self.side.upper()} foot: "
                              f"{math.ceil(left)}", side=self.side, seconds_left=left,
                              recording=True, holds=done_holds)

        if self.stage == "lift":
            raised = self._raise_of(obs, self.side)
            if math.isfinite(raised) and raised >= self.lift_threshold:
                self._lift_seen = True
                self._enter_hold(t_s, lift_seen=True)
                return self._step(t_s, obs)
            if elapsed >= tm.lift_wait_s:
                self._enter_hold(t_s, lift_seen=False)
                return self._step(t_s, obs)
            return LiveStatus("lift", f"Lift your {self.side.upper()} foot and hold it.",
                              "Bend the knee so the foot clears the floor; keep the thigh "
                              "roughly vertical.", side=self.side, recording=True,
                              holds=done_holds)

        if self.stage == "hold":
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
            timed_out = elapsed >= tm.hold_s
            if timed_out or foot_down:
                early = foot_down and not timed_out
                end = self._foot_down_since if early else t_s
                self.holds.append(HoldRecord(self.side, self._stage_start, end,
                                             self._lift_seen, early))
                self._side_index += 1
                self._enter("rest" if self._side_index < 2 else "final", t_s)
                return self._step(t_s, obs)
            detail = ("We cannot see the foot lifted yet - lift it." if not self._lift_seen
                      else "Measuring your starting position..." if drop is None
                      else "Keep the lifted foot still, at the same height: a foot that "
                      "sinks looks like a pelvic drop to the camera.")
            return LiveStatus("hold", f"Keep your {self.side.upper()} foot up: "
                              f"{math.ceil(tm.hold_s - elapsed)} s left", detail,
                              side=self.side, seconds_left=tm.hold_s - elapsed,
                              hold_elapsed_s=elapsed, drop_deg=drop, recording=True,
                              holds=done_holds)

        if self.stage == "rest":
            last = self.holds[-1] if self.holds else None
            note = (f"Foot down after {last.end_s - last.start_s:.0f} s." if last and
                    last.ended_early else "")
            if elapsed >= tm.rest_s:
                self._enter("countdown", t_s)
                return self._step(t_s, obs)
            return LiveStatus("rest", "Put your foot down and stand on both legs.", note,
                              seconds_left=tm.rest_s - elapsed, recording=True,
                              holds=done_holds)

        if self.stage == "final":
            if elapsed >= tm.final_s:
                self._enter("done", t_s)
                return self._step(t_s, obs)
            return LiveStatus("final", "Both feet down - stand still a moment.",
                              seconds_left=tm.final_s - elapsed, recording=True,
                              holds=done_holds)

        return LiveStatus("done", "Done - analysing the recording.", holds=done_holds)

    def _enter_hold(self, t_s: float, *, lift_seen: bool) -> None:
        self.stage = "hold"
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


# ---------------------------------------------------------------------------------------
# recording


class Mp4Recorder:
    """Writes unmirrored RGB frames with their own timestamps to an H.264 mp4.

    The first frame fixes the size (cropped to even numbers for yuv420p); later frames of
    another size are scaled to it. Frames whose timestamp does not move forward are skipped,
    so the file's timestamps are strictly increasing.
    """

    def __init__(self, path: str | Path, *, crf: int = 20, preset: str = "veryfast") -> None:
        self.path = Path(path)
        self._crf, self._preset = crf, preset
        self._container = None
        self._stream = None
        self._size: tuple[int, int] | None = None
        self._t0: float | None = None
        self._last_ms = -1
        self.frames_written = 0

    def write(self, rgb: np.ndarray, t_s: float) -> bool:
        import av

        if self._t0 is None:
            self._t0 = t_s
        ms = int(round((t_s - self._t0) * 1000))
        if ms <= self._last_ms:
            return False
        if self._container is None:
            h, w = rgb.shape[:2]
            self._size = (w - w % 2, h - h % 2)
            self._container = av.open(str(self.path), mode="w",
                                      options={"movflags": "+faststart"})
            # no nominal rate: the codec counts in milliseconds, so variable frame
            # intervals from the camera keep their real timestamps
            self._stream = self._container.add_stream("libx264")
            self._stream.codec_context.time_base = Fraction(1, 1000)
            self._stream.width, self._stream.height = self._size
            self._stream.pix_fmt = "yuv420p"
            self._stream.time_base = Fraction(1, 1000)
            self._stream.options = {"crf": str(self._crf), "preset": self._preset}
        w, h = self._size
        frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(rgb), format="rgb24")
        if (frame.width, frame.height) != (w, h):
            frame = frame.reformat(width=w, height=h)
        frame.pts = ms
        frame.time_base = Fraction(1, 1000)
        for packet in self._stream.encode(frame):
            self._container.mux(packet)
        self._last_ms = ms
        self.frames_written += 1
        return True

    @property
    def duration_s(self) -> float:
        return max(self._last_ms, 0) / 1000.0

    def close(self) -> Path | None:
        """Finish the file; returns its path, or None if no frame was written."""
        if self._container is None:
            return None
        try:
            for packet in self._stream.encode():
                self._container.mux(packet)
        finally:
            self._container.close()
            self._container = None
        return self.path


# ---------------------------------------------------------------------------------------
# the session the webcam callback talks to


@dataclass
class LiveSession:
    """Pose + protocol + recorder behind one lock.

    ``process(rgb, t_s)`` is called from the webcam worker thread with each unmirrored
    frame and returns the mirrored preview to show. The page calls ``status()`` and, once
    the protocol is done, ``finish()`` to get the recording. ``pose`` is any object with
    ``process(rgb, t_s) -> PoseFrame`` and ``close()``.
    """

    pose: object
    recording_path: Path
    timings: LiveTimings = field(default_factory=LiveTimings)
    first_side: str = "left"
    negative_below_deg: float = 2.0
    positive_from_deg: float = 4.0

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self.protocol = GuidedProtocol(self.timings, first_side=self.first_side)
        self._recorder = Mp4Recorder(self.recording_path)
        self._status = LiveStatus("framing", "Starting the camera...")
        self._finished = False
        self._last_t: float | None = None
        self.frames_seen = 0
        self.error: str | None = None

    def process(self, rgb: np.ndarray, t_s: float) -> np.ndarray:
        from .overlay import draw_pose

        with self._lock:
            if self._finished:
                return draw_pose(rgb, None, lines=[self._status.prompt], mirror=True)
            if self._last_t is not None and t_s <= self._last_t:
                t_s = self._last_t + 1e-3
            self._last_t = t_s
            self.frames_seen += 1
            try:
                frame = self.pose.process(rgb, t_s)
            except Exception as exc:  # shown on the page; the stream keeps running
                self.error = f"{type(exc).__name__}: {exc}"
                return draw_pose(rgb, None, lines=["Pose estimation failed"], mirror=True)
            found = frame.n_people > 0
            obs = observe(frame.xy_px if found else None, frame.visibility,
                          rgb.shape[1], rgb.shape[0])
            status = self.protocol.step(t_s, obs)
            if status.recording:
                self._recorder.write(rgb, t_s)
            self._status = status
            return draw_pose(rgb, frame.xy_px if found else None,
                             lines=status.overlay_lines(),
                             drop_deg=status.drop_deg if status.stage == "hold" else None,
                             mirror=True, negative_below_deg=self.negative_below_deg,
                             positive_from_deg=self.positive_from_deg)

    def status(self) -> LiveStatus:
        with self._lock:
            return self._status

    @property
    def recorded_s(self) -> float:
        with self._lock:
            return self._recorder.duration_s

    def finish(self) -> Path | None:
        """Stop recording (idempotent). Returns the mp4, or None if nothing was recorded."""
        with self._lock:
            if self._finished:
                return self.recording_path if self._recorder.frames_written else None
            self._finished = True
            path = self._recorder.close()
            try:
                self.pose.close()
            except Exception:  # closing a half-broken backend must not hide the recording
                pass
            return path


class LazyPose:
    """Builds the pose backend on the first frame, in the thread that uses it.

    Loading the model takes a moment; doing it when the camera starts keeps the page
    responsive and ties the backend to the webcam worker thread.
    """

    def __init__(self, factory) -> None:
        self._factory = factory
        self._impl = None

    def process(self, rgb: np.ndarray, t_s: float):
        if self._impl is None:
            self._impl = self._factory()
        return self._impl.process(rgb, t_s)

    def close(self) -> None:
        if self._impl is not None:
            self._impl.close()
            self._impl = None
