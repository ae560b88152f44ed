"""Phase detection: which foot is lifted, when the hold starts and ends, and the
two-leg baseline before it (pure functions on a cleaned landmark series).

The lift signal of a side is how far its ankle is above that foot's own floor level, as a
fraction of the leg length (hip to ankle). A foot counts as lifted above
``lift_threshold_leg``; a lift that reaches ``hold_plateau_fraction`` of its typical
(median) height is a *hold* from the first to the last frame at that level. The baseline is
the two-leg stance just before the lift (or, if the video starts on one leg, just after it).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .config import PhasesConfig
from .geometry import leg_length_px
from .landmarks import LEFT_ANKLE, RIGHT_ANKLE, LandmarkSeries, other_side
from .signal import valid_runs

_GUARD_S = 0.3  # two-leg frames this close to a lift are not used as baseline


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


def lift_signals(series: LandmarkSeries) -> dict[str, np.ndarray]:
    """Per side: how far the ankle is above its own place on the floor, in leg lengths.

    A foot's floor level is the lowest image position its ankle takes in the recording
    (99th percentile of y, so a stray sample does not set it). Measuring each foot against
    its own floor level, not against the other ankle, keeps the signal at zero on two legs
    whatever the camera roll, yaw or stance width.
    """
    leg = leg_length_px(series.xy_px)
    signals = {}
    for side, ankle in (("left", LEFT_ANKLE), ("right", RIGHT_ANKLE)):
        y = series.xy_px[:, ankle, 1]
        if not np.any(np.isfinite(y)):
            signals[side] = np.full(len(y), np.nan)
            continue
        signals[side] = (np.nanpercentile(y, 99) - y) / leg
    return signals


def _runs_above(signal: np.ndarray, threshold: float, t_s: np.ndarray, *, min_s: float,
                bridge_s: float) -> list[tuple[int, int]]:
    above = np.nan_to_num(signal, nan=-np.inf) > threshold
    runs = valid_runs(above)
    merged: list[list[int]] = []
    for start, stop in runs:
        if merged and t_s[start] - t_s[merged[-1][1] - 1] <= bridge_s:
            merged[-1][1] = stop
        else:
            merged.append([start, stop])
    return [(a, b) for a, b in merged if t_s[b - 1] - t_s[a] >= min_s]


def detect_holds(series: LandmarkSeries, phases: PhasesConfig) -> list[Hold]:
    """All single-leg holds in time order."""
    t = series.t_s
    if len(t) < 3:
        return []
    signals = lift_signals(series)
    # both feet down: neither is lifted. Not half the lift threshold: a standing foot's
    # landmarks sit up to ~0.04 leg lengths higher on two legs than when it carries the
    # whole weight (its floor level is taken there), which would leave no baseline at all
    # (seen on a rendered clip with the free foot rising during the hold); the frames just
    # before a lift are kept out by the guard of _baseline_window instead.
    both_down = np.all([np.nan_to_num(s, nan=np.inf) < phases.lift_threshold_leg
                        for s in signals.values()], axis=0)
    holds: list[Hold] = []
    for side, signal in signals.items():
        other = signals[other_side(side)]
        for start, stop in _runs_above(signal, phases.lift_threshold_leg, t, min_s=0.3,
                                       bridge_s=0.2):
            if np.nanmedian(other[start:stop]) > phases.lift_threshold_leg:
                continue  # both feet up: a jump, not a single-leg stance
            # the typical lifted height (median: the hold dominates the run) sets the level;
            # the foot may sink a little as the pelvis drops, so the peak would be too high
            typical = np.nanmedian(signal[start:stop])
            level = max(phases.lift_threshold_leg, phases.hold_plateau_fraction * typical)
            plateau = np.flatnonzero(np.nan_to_num(signal[start:stop], nan=-np.inf) >= level)
            if plateau.size == 0:
                continue
            hold_start, hold_end = start + int(plateau[0]), start + int(plateau[-1]) + 1
            baseline = _baseline_window(t, both_down, start, stop,
                                        min_baseline_s=phases.min_baseline_s)
            holds.append(Hold(side, start, hold_start, hold_end, stop, baseline))
    return sorted(holds, key=lambda h: h.lift_start)


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
