"""Phase detection: which foot is lifted, when the hold starts and ends, and the
two-leg baseline before it (pure functions on a cleaned landmark series).

**Finding a lift.** Where a foot on the floor appears in the image depends on how far it
is from the camera whenever the camera looks down (or up), so a foot is not found lifted
by comparing it with its own image position at other moments of the take. The lift
signal compares the two ankles in the same frame: the lift of the left foot is how far the
left ankle is above the right one, less that difference on two legs (the take's *two-leg
offset*), in leg lengths (hip to ankle); the right foot's is the same number with the
opposite sign. A person stepping toward or away from the camera moves both ankles alike,
and two feet that leave the floor together keep their difference: neither is a lift. A
foot counts as lifted above ``lift_threshold_leg`` for at least 0.3 s.

**Timing it.** While a foot is up, the stance foot stays where it is (checked, below), so
the body does not move toward or away from the camera: the lifted foot's own height above
its place on the floor beside the lift (its lowest image position in the second before
and after the lift) times it, as the old floor level did, unlike the other ankle, which
settles a little as that foot takes the weight. A lift that reaches
``hold_plateau_fraction`` of its typical (median) height is a *hold* from the first to the
last frame at that level. The baseline is the two-leg stance just before the lift (or, if
the video starts on one leg, just after it).

**What the detection assumes**, each broken by a named scenario in
tests/test_lift_detection.py:

1. *The feet stand side by side.* On two legs the two ankles sit at one image height, up
   to an offset that stays the same through the take (camera roll or yaw, stance width):
   the take's first steady stretch within ``max_two_leg_offset_leg`` of level (a take
   starts on two legs); level when there is none (a take on one leg). A take that starts
   in a lift smaller than that (a webcam recording started during a hold) is recognised
   when the foot comes down without rising first: the next stretch is taken. One foot set ahead
   of the other reads, under a camera that looks down, as the back foot lifted: a
   staggered stance from the start is taken as the offset; a foot set ahead later is
   caught by the next check.
2. *A lifted foot rises.* Where the lift is highest, the foot's own ankle must have risen
   from its place beside the lift by ``min_own_rise_fraction`` of the lift. If not, the
   other foot went down the image (set ahead toward a camera that looks down): a step, not
   a lift of this foot.
3. *The stance foot stays put.* During a lift the other ankle keeps its image height within
   ``max_stance_motion_leg`` (median distance from its median). If not, both feet moved:
   a jump, hops, or legs spread toward and away from the camera (a jumping jack seen at an
   angle).
4. *A lift with nothing beside it is taken as it reads.* When a lift fills the take, there
   is nothing to compare with: checks 2 and 3 are not made (a hop on one leg from the
   first frame to the last moves the stance foot at every hop). Such a hold has no two-leg
   baseline, so it is inconclusive, with its stance leg named.
5. *A missing ankle does not end a lift.* Frames where an ankle is not seen neither start
   nor end one.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .config import PhasesConfig
from .geometry import leg_length_px
from .landmarks import LEFT_ANKLE, RIGHT_ANKLE, LandmarkSeries, other_side
from .signal import valid_runs

_GUARD_S = 0.3  # frames this close to a lift are neither baseline nor its neighbourhood
_MIN_LIFT_S = 0.3  # a shorter time above the threshold is no lift
_BRIDGE_S = 0.2  # lifts this close together are one
_BESIDE_S = 1.0  # a foot's place beside its lift: this long before (or after) it


@dataclass(frozen=True)
class Hold:
    """One detected single-leg hold. Indices are frame indices, ``end`` exclusive."""

    lifted_side: str
    lift_start: int
    hold_start: int
    hold_end: int
    lift_end: int
    baseline: tuple[int, int] | None  # [start, stop) frames of two-leg baseline

    @property
    def stance_side(self) -> str:
        return other_side(self.lifted_side)


def relative_to_baseline(values: np.ndarray, hold: Hold) -> np.ndarray:
    """``values`` minus their median over the hold's two-leg baseline (NaN if none)."""
    if hold.baseline is None:
        return np.full_like(values, np.nan)
    start, stop = hold.baseline
    base = values[start:stop]
    if not np.any(np.isfinite(base)):
        return np.full_like(values, np.nan)
    return values - np.nanmedian(base)


def ankle_height_difference_legs(series: LandmarkSeries) -> np.ndarray:
    """``(N,)`` image height of the left ankle above the right one, in leg lengths (the
    take's median hip-to-ankle distance); positive when the left ankle is higher, NaN where
    an ankle is missing."""
    y = series.xy_px[:, [LEFT_ANKLE, RIGHT_ANKLE], 1]
    return (y[:, 1] - y[:, 0]) / leg_length_px(series.xy_px)


def two_leg_offset_legs(height_difference_legs: np.ndarray, t_s: np.ndarray, *,
                        ankle_y_legs: np.ndarray, max_offset_leg: float,
                        tolerance_leg: float, lift_leg: float, min_s: float) -> float:
    """The left-over-right ankle height of the take on two legs, in leg lengths.

    The steady stretches of ``height_difference_legs`` (:func:`ankle_height_difference_legs`)
    near level: at least ``min_s`` of consecutive frames within ``tolerance_leg`` of the
    stretch's first frame and within ``max_offset_leg`` of 0. The first of them, because a
    take starts on two legs (the protocol asks for it); not the one nearest level, which may
    be a free foot that sank almost to the floor late in a hold. Unless the take starts with
    a small lift (less than ``max_offset_leg``, as small as two-leg offsets can be): a first
    stretch is passed over when, in the next one, one ankle stands where it stood and the
    other has come down by at least ``lift_leg`` without rising on the way (a foot set down,
    not a step: a step lifts the foot first). ``ankle_y_legs`` ``(N, 2)``: the left and
    right ankles' image heights (y, down) in leg lengths. 0.0 (feet level) when the take
    has no such stretch, e.g. a take on one leg.
    """
    d = np.asarray(height_difference_legs, dtype=float)
    t = np.asarray(t_s, dtype=float)
    usable = np.isfinite(d) & (np.abs(d) <= max_offset_leg)
    stretches: list[tuple[int, int]] = []
    first = 0
    while first < len(d) and len(stretches) < 2:
        if not usable[first]:
            first += 1
            continue
        last = first
        while (last + 1 < len(d) and usable[last + 1]
               and abs(d[last + 1] - d[first]) <= tolerance_leg):
            last += 1
        if t[last] - t[first] >= min_s:
            stretches.append((first, last + 1))
            first = last + 1
        else:
            first += 1
    if not stretches:
        return 0.0
    chosen = stretches[0]
    if len(stretches) == 2 and _foot_set_down(ankle_y_legs, *stretches,
                                              same_place_leg=tolerance_leg, lift_leg=lift_leg):
        chosen = stretches[1]
    return float(np.median(d[chosen[0]:chosen[1]]))


def _foot_set_down(ankle_y_legs: np.ndarray, before: tuple[int, int], after: tuple[int, int],
                   *, same_place_leg: float, lift_leg: float) -> bool:
    """Whether, from the stretch ``before`` to the stretch ``after`` (frame ranges), one
    ankle stayed where it was (within ``same_place_leg``) and the other came down the image
    by at least ``lift_leg`` without going higher than it was on the way."""
    y = np.asarray(ankle_y_legs, dtype=float)
    y_before = np.nanmedian(y[before[0]:before[1]], axis=0)
    y_after = np.nanmedian(y[after[0]:after[1]], axis=0)
    between = y[before[1]:after[0]]
    for moved, stayed in ((0, 1), (1, 0)):
        if abs(y_after[stayed] - y_before[stayed]) > same_place_leg:
            continue
        came_down = y_after[moved] - y_before[moved] >= lift_leg
        rose_on_the_way = np.nanmin(between[:, moved], initial=np.inf) < \
            y_before[moved] - same_place_leg
        if came_down and not rose_on_the_way:
            return True
    return False


def lift_signals(series: LandmarkSeries, phases: PhasesConfig) -> dict[str, np.ndarray]:
    """Per side: how far the ankle is above the other one, less their two-leg offset, in
    leg lengths (the module's docstring says what this assumes). The two sides' signals
    are each other's negatives; NaN where an ankle is missing."""
    difference = ankle_height_difference_legs(series)
    ankle_y_legs = series.xy_px[:, [LEFT_ANKLE, RIGHT_ANKLE], 1] / leg_length_px(series.xy_px)
    offset = two_leg_offset_legs(difference, series.t_s, ankle_y_legs=ankle_y_legs,
                                 max_offset_leg=phases.max_two_leg_offset_leg,
                                 tolerance_leg=phases.lift_threshold_leg / 2,
                                 lift_leg=phases.lift_threshold_leg,
                                 min_s=phases.min_baseline_s)
    return {"left": difference - offset, "right": offset - difference}


def _runs_above(signal: np.ndarray, threshold: float, t_s: np.ndarray, *, min_s: float,
                bridge_s: float) -> list[tuple[int, int]]:
    """[start, stop) frame ranges where ``signal`` is above ``threshold`` for at least
    ``min_s``; runs at most ``bridge_s`` apart are joined, and NaN frames between two
    frames above it belong to the run."""
    known = np.flatnonzero(np.isfinite(signal))
    if known.size == 0:
        return []
    runs: list[list[int]] = []
    for start, stop in valid_runs(signal[known] > threshold):
        first, last = int(known[start]), int(known[stop - 1])
        if runs and t_s[first] - t_s[runs[-1][1] - 1] <= bridge_s:
            runs[-1][1] = last + 1
        else:
            runs.append([first, last + 1])
    return [(a, b) for a, b in runs if t_s[b - 1] - t_s[a] >= min_s]


def detect_holds(series: LandmarkSeries, phases: PhasesConfig) -> list[Hold]:
    """All single-leg holds in time order."""
    t = series.t_s
    if len(t) < 3:
        return []
    signals = lift_signals(series, phases)
    threshold = phases.lift_threshold_leg
    leg_px = leg_length_px(series.xy_px)
    ankle_y_px = {"left": series.xy_px[:, LEFT_ANKLE, 1], "right": series.xy_px[:, RIGHT_ANKLE, 1]}
    lifted = {side: np.nan_to_num(s, nan=np.inf) >= threshold for side, s in signals.items()}
    # both feet down: neither is lifted. Not half the lift threshold: a standing foot's
    # landmarks sit up to ~0.04 leg lengths higher on two legs than when it carries the
    # whole weight, which would leave no baseline at all (seen on a rendered clip with the
    # free foot rising during the hold); the frames just before a lift are kept out by the
    # guard of _baseline_window instead.
    both_down = ~lifted["left"] & ~lifted["right"]
    holds: list[Hold] = []
    for side, signal in signals.items():
        for run in _runs_above(signal, threshold, t, min_s=_MIN_LIFT_S, bridge_s=_BRIDGE_S):
            lift = _checked_lift(run, signal, t, phases=phases, lifted=lifted[side],
                                 lifted_y_px=ankle_y_px[side],
                                 stance_y_px=ankle_y_px[other_side(side)], leg_px=leg_px)
            if lift is None:
                continue
            start, stop, timing = lift
            if any(h.lifted_side == side and h.lift_start < stop and start < h.lift_end
                   for h in holds):
                continue  # one lift of the foot, seen twice by the two ankles' difference
            # the typical lifted height (median: the hold dominates the run) sets the level;
            # the foot may sink a little as the pelvis drops, so the peak would be too high
            typical = np.nanmedian(timing[start:stop])
            level = max(threshold, phases.hold_plateau_fraction * typical)
            plateau = np.flatnonzero(np.nan_to_num(timing[start:stop], nan=-np.inf) >= level)
            if plateau.size == 0:
                continue
            hold_start, hold_end = start + int(plateau[0]), start + int(plateau[-1]) + 1
            baseline = _baseline_window(t, both_down, start, stop,
                                        min_baseline_s=phases.min_baseline_s)
            holds.append(Hold(side, start, hold_start, hold_end, stop, baseline))
    return sorted(holds, key=lambda h: h.lift_start)


def _checked_lift(run: tuple[int, int], signal: np.ndarray, t: np.ndarray, *,
                  phases: PhasesConfig, lifted: np.ndarray, lifted_y_px: np.ndarray,
                  stance_y_px: np.ndarray, leg_px: float
                  ) -> tuple[int, int, np.ndarray] | None:
    """A run [start, stop) of a foot's lift ``signal`` checked against assumptions 2 and 3
    of the module's docstring (None when it is no lift) and timed: ``(start, stop,
    timing)``, the frames and the signal that time it."""
    start, stop = run
    if start == 0 and stop == len(t):
        return start, stop, signal  # nothing beside the lift to compare with
    if _spread_legs(stance_y_px[start:stop], leg_px) > phases.max_stance_motion_leg:
        return None  # the stance foot moved too: a jump, or legs spread in depth
    own = _height_above_beside_legs(lifted_y_px, ~lifted, t, start, stop, leg_px=leg_px,
                                    window_s=_BESIDE_S,
                                    same_place_leg=phases.lift_threshold_leg / 2)
    if own is None:
        return start, stop, signal
    peak = start + int(np.nanargmax(signal[start:stop]))
    if not own[peak] >= phases.min_own_rise_fraction * signal[peak]:
        return None  # the other foot went down the image: a step, not a lift of this one
    # the foot's own height above its place times the lift (the module's docstring); a small
    # lift that it does not carry past the threshold for long enough keeps the timing of the
    # two ankles' difference
    own_runs = [(a, b) for a, b in _runs_above(own, phases.lift_threshold_leg, t,
                                                min_s=_MIN_LIFT_S, bridge_s=_BRIDGE_S)
                if a < stop and b > start]
    if not own_runs:
        return start, stop, signal
    return own_runs[0][0], own_runs[-1][1], own


def _height_above_beside_legs(y_px: np.ndarray, not_lifted: np.ndarray, t: np.ndarray,
                              start: int, stop: int, *, leg_px: float, window_s: float,
                              same_place_leg: float) -> np.ndarray | None:
    """``(N,)`` how far an ankle is above its place on the floor beside the lift [start,
    stop), in leg lengths; None when there is nothing beside it.

    Its place is its lowest image position (99th percentile of y) in the frames where it
    is not lifted from ``_GUARD_S + window_s`` to ``_GUARD_S`` before the lift and as far
    after it: both when the foot is put down where it stood (the medians of the two
    stretches within ``same_place_leg``), else the stretch before (after, when the take
    starts lifted), as a foot set down elsewhere made a step.
    """
    seen = not_lifted & np.isfinite(y_px)
    before = seen & (t >= t[start] - _GUARD_S - window_s) & (t <= t[start] - _GUARD_S)
    after = seen & (t >= t[stop - 1] + _GUARD_S) & (t <= t[stop - 1] + _GUARD_S + window_s)
    if before.any() and after.any():
        same_place = abs(np.median(y_px[before]) - np.median(y_px[after])) <= \
            same_place_leg * leg_px
        beside = before | after if same_place else before
    else:
        beside = before | after
    if not beside.any():
        return None
    return (np.percentile(y_px[beside], 99) - y_px) / leg_px


def _spread_legs(y_px: np.ndarray, leg_px: float) -> float:
    """Median distance of an ankle's image heights from their median, in leg lengths (0.0
    when never seen)."""
    if not np.any(np.isfinite(y_px)):
        return 0.0
    return float(np.nanmedian(np.abs(y_px - np.nanmedian(y_px)))) / leg_px


def steady_slice(t_s: np.ndarray, hold: Hold, trim_s: float) -> slice:
    """The hold without its first and last ``trim_s`` seconds, where the foot is still
    settling or already going down; the whole hold when it is too short to trim."""
    start, stop = hold.hold_start, hold.hold_end
    if t_s[stop - 1] - t_s[start] <= 2 * trim_s + 0.5:
        return slice(start, stop)
    first = start + int(np.searchsorted(t_s[start:stop], t_s[start] + trim_s))
    last = start + int(np.searchsorted(t_s[start:stop], t_s[stop - 1] - trim_s, side="right"))
    return slice(first, last)


def _baseline_window(t: np.ndarray, both_down: np.ndarray, lift_start: int, lift_end: int,
                     *, min_baseline_s: float) -> tuple[int, int] | None:
    """Longest-possible two-leg stretch right before the lift, else right after it."""
    before = np.flatnonzero(both_down[:lift_start] & (t[:lift_start] <= t[lift_start] - _GUARD_S))
    if before.size:
        stop = int(before[-1]) + 1
        start = stop
        while start > 0 and both_down[start - 1] and t[stop - 1] - t[start - 1] <= 3.0:
            start -= 1
        if t[stop - 1] - t[start] >= min_baseline_s:
            return start, stop
    after_mask = both_down.copy()
    after_mask[:lift_end] = False
    after_mask &= t >= (t[lift_end - 1] + _GUARD_S if lift_end - 1 < len(t) else np.inf)
    after = np.flatnonzero(after_mask)
    if after.size:
        start = int(after[0])
        stop = start
        while stop < len(t) and both_down[stop] and t[stop] - t[start] <= 3.0:
            stop += 1
        if t[stop - 1] - t[start] >= min_baseline_s:
            return start, stop
    return None
