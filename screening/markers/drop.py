"""Pelvic drop from the two printed markers, and whether a hold has usable marker evidence.

The marker line runs from marker id 0 (the subject's right) to id 1 (the left). Its
obliquity is the hip line's formula (``screening.geometry.line_obliquity_deg``):
``atan2(y_right - y_left, |x_left - x_right|)`` with y pointing down, positive when the
left marker is higher in the image. With ``|dx|`` the front view (the left marker on the
image right) and the back view (on the image left) share the formula. The drop is the
obliquity minus its median over the hold's two-leg baseline (which cancels camera roll and
how the markers happen to sit), signed so that positive = the lifted-leg side lower
(``side_sign``).

Gaps (a hand over a marker, the lifted thigh in front of it) are bridged by linear
interpolation of the obliquity in time when the time between the two measurements around
the gap is at most ``max_bridge_s``; longer gaps stay NaN. Bridged frames are flagged.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..geometry import line_obliquity_deg, side_sign
from ..landmarks import LEFT_HIP, RIGHT_HIP, LandmarkSeries
from ..phases import Hold
from ..signal import valid_runs
from .series import MarkerSeries

MAX_BRIDGE_S = 1.5          # gaps up to this long are interpolated (a hand passing over)
MAX_SEPARATION_CHANGE = 0.3  # marker distance this far from its median: a wrong detection
MIN_COVERAGE = 0.8          # of the steady hold, measured or bridged
MIN_BASELINE_FRACTION = 0.5  # of the two-leg baseline frames with both markers measured


def marker_obliquity_deg(centre_px: np.ndarray) -> np.ndarray:
    """Elevation of the left marker (id 1) over the right one (id 0), image degrees, for
    centres ``(..., 2, 2)``; NaN where a marker is missing."""
    return line_obliquity_deg(centre_px[..., 1, :], centre_px[..., 0, :])


def aligned_centres(markers: MarkerSeries, t_s: np.ndarray) -> np.ndarray:
    """(len(t_s), 2, 2) marker centres at the frames ``t_s`` (nearest marker sample within
    half a frame interval; NaN elsewhere)."""
    t_s = np.asarray(t_s, dtype=float)
    out = np.full((len(t_s), 2, 2), np.nan)
    if len(markers) == 0 or len(t_s) == 0:
        return out
    if len(markers) == len(t_s) and np.allclose(markers.t_s, t_s, atol=1e-6):
        return markers.centre_px.astype(float).copy()
    mt = markers.t_s
    idx = np.searchsorted(mt, t_s)
    lo = np.clip(idx - 1, 0, len(mt) - 1)
    hi = np.clip(idx, 0, len(mt) - 1)
    nearest = np.where(np.abs(mt[hi] - t_s) < np.abs(mt[lo] - t_s), hi, lo)
    dt = np.median(np.diff(t_s)) if len(t_s) > 1 else np.inf
    close = np.abs(mt[nearest] - t_s) <= dt / 2 + 1e-9
    out[close] = markers.centre_px[nearest[close]]
    return out


@dataclass(frozen=True)
class MarkerDrop:
    """Marker pelvic drop of one hold, for every frame of the recording.

    ``drop_deg`` (N,) positive = lifted-leg side lower, relative to the two-leg baseline;
    ``obliquity_deg`` (N,) the raw marker-line angle (bridged values included);
    ``measured`` (N,) both markers seen (and plausible) in that frame; ``bridged`` (N,)
    filled in across a short gap. ``baseline_deg``: the obliquity's median over the
    baseline; ``baseline_measured``/``baseline_frames``: measured frames in the baseline
    and its length.
    """

    t_s: np.ndarray
    lifted_side: str
    obliquity_deg: np.ndarray
    drop_deg: np.ndarray
    measured: np.ndarray
    bridged: np.ndarray
    baseline_deg: float
    baseline_measured: int
    baseline_frames: int

    def coverage(self, frames: slice) -> float:
        """Fraction of ``frames`` with a drop value (measured or bridged)."""
        values = self.drop_deg[frames]
        return float(np.isfinite(values).mean()) if values.size else 0.0

    def measured_fraction(self, frames: slice) -> float:
        values = self.measured[frames]
        return float(values.mean()) if values.size else 0.0

    def bridged_fraction(self, frames: slice) -> float:
        values = self.bridged[frames]
        return float(values.mean()) if values.size else 0.0


def _plausible(centres: np.ndarray, max_separation_change: float) -> np.ndarray:
    """(N,) both markers seen and their distance within ``max_separation_change`` of its
    median (a marker found on something else, e.g. a second printed sheet, is not)."""
    both = np.isfinite(centres).all(axis=(1, 2))
    separation = np.linalg.norm(centres[:, 1] - centres[:, 0], axis=-1)
    if not both.any():
        return both
    typical = np.median(separation[both])
    ok = np.abs(separation - typical) <= max_separation_change * typical
    return both & ok & (separation > 0)


def bridge_gaps(t_s: np.ndarray, values: np.ndarray, measured: np.ndarray, *,
                max_bridge_s: float) -> tuple[np.ndarray, np.ndarray]:
    """Linear interpolation over interior gaps whose neighbouring measurements are at most
    ``max_bridge_s`` apart. Returns (values with gaps filled, bridged mask)."""
    out = np.where(measured, values, np.nan)
    bridged = np.zeros(len(values), dtype=bool)
    for start, stop in valid_runs(~measured):
        if start == 0 or stop >= len(values):
            continue  # no measurement on one side: never extrapolate
        before, after = start - 1, stop
        if t_s[after] - t_s[before] > max_bridge_s:
            continue
        out[start:stop] = np.interp(t_s[start:stop], [t_s[before], t_s[after]],
                                    [values[before], values[after]])
        bridged[start:stop] = True
    return out, bridged


def marker_drop_deg(markers: MarkerSeries, t_s: np.ndarray, hold: Hold, *,
                    max_bridge_s: float = MAX_BRIDGE_S,
                    max_separation_change: float = MAX_SEPARATION_CHANGE) -> MarkerDrop:
    """Pelvic drop from the markers for ``hold``, for every frame ``t_s`` of the analysis
    (the landmark frames; marker samples are matched to them by time)."""
    t_s = np.asarray(t_s, dtype=float)
    centres = aligned_centres(markers, t_s)
    measured = _plausible(centres, max_separation_change)
    raw = marker_obliquity_deg(centres)
    obliquity, bridged = bridge_gaps(t_s, raw, measured, max_bridge_s=max_bridge_s)
    n_base = n_base_measured = 0
    baseline = float("nan")
    if hold.baseline is not None:
        start, stop = hold.baseline
        n_base = stop - start
        n_base_measured = int(measured[start:stop].sum())
        if n_base_measured:
            baseline = float(np.median(raw[start:stop][measured[start:stop]]))
    drop = side_sign(hold.lifted_side) * (obliquity - baseline)
    return MarkerDrop(t_s, hold.lifted_side, obliquity, drop, measured, bridged, baseline,
                      n_base_measured, n_base)


def marker_sides_agree(markers: MarkerSeries, landmarks: LandmarkSeries) -> float:
    """Fraction of frames (with both markers and both hips) in which marker id 0 is nearer
    the right hip landmark than the left one: ~1 when the markers sit on the sides they
    belong to, ~0 when they were swapped. NaN when no frame can tell."""
    centres = aligned_centres(markers, landmarks.t_s)
    right_hip = landmarks.xy_px[:, RIGHT_HIP]
    left_hip = landmarks.xy_px[:, LEFT_HIP]
    m0, m1 = centres[:, 0], centres[:, 1]
    usable = np.isfinite(centres).all(axis=(1, 2)) & np.isfinite(right_hip).all(axis=1) \
        & np.isfinite(left_hip).all(axis=1)
    if not usable.any():
        return float("nan")
    # pairing (0->right, 1->left) against the swapped pairing, by horizontal distance
    straight = np.abs(m0[:, 0] - right_hip[:, 0]) + np.abs(m1[:, 0] - left_hip[:, 0])
    swapped = np.abs(m0[:, 0] - left_hip[:, 0]) + np.abs(m1[:, 0] - right_hip[:, 0])
    return float((straight[usable] < swapped[usable]).mean())


@dataclass(frozen=True)
class MarkerEvidence:
    """Whether a hold can be measured from the markers; ``reason`` says why not."""

    usable: bool
    reason: str
    coverage: float            # of the steady hold, measured or bridged
    measured_fraction: float   # of the steady hold
    bridged_fraction: float    # of the steady hold
    baseline_measured: int
    baseline_frames: int

    def to_dict(self) -> dict:
        return {"usable": self.usable, "reason": self.reason,
                "coverage": round(self.coverage, 3),
                "measured_fraction": round(self.measured_fraction, 3),
                "bridged_fraction": round(self.bridged_fraction, 3),
                "baseline_measured": self.baseline_measured,
                "baseline_frames": self.baseline_frames}


def marker_evidence(drop: MarkerDrop, steady: slice, *, min_coverage: float = MIN_COVERAGE,
                    min_baseline_fraction: float = MIN_BASELINE_FRACTION,
                    sides_agree: float | None = None) -> MarkerEvidence:
    """Is there usable marker evidence for a hold? Both markers measured in at least
    ``min_baseline_fraction`` of the two-leg baseline, a drop value (measured or bridged)
    in at least ``min_coverage`` of the ``steady`` hold, and, when ``sides_agree`` (from
    :func:`marker_sides_agree`) is given, the markers on their own sides."""
    coverage = drop.coverage(steady)
    measured = drop.measured_fraction(steady)
    bridged = drop.bridged_fraction(steady)

    def verdict(reason: str) -> MarkerEvidence:
        return MarkerEvidence(not reason, reason, coverage, measured, bridged,
                              drop.baseline_measured, drop.baseline_frames)

    if not drop.measured.any():
        return verdict("The two pelvis markers were not both seen in this video.")
    if drop.baseline_frames == 0:
        return verdict("There is no two-leg stance before or after this hold to compare "
                       "the markers with.")
    if drop.baseline_measured < max(1, min_baseline_fraction * drop.baseline_frames):
        return verdict(f"Both markers were seen in only {drop.baseline_measured} of the "
                       f"{drop.baseline_frames} frames on two legs before the lift.")
    if coverage < min_coverage:
        return verdict(f"The markers were seen in only {100 * coverage:.0f}% of the hold "
                       f"(at least {100 * min_coverage:.0f}% is needed).")
    if sides_agree is not None and np.isfinite(sides_agree) and sides_agree < 0.5:
        return verdict("Marker 0 is on the subject's left and marker 1 on the right (swapped): "
                       "the drop would have the wrong sign. Put id 0 on the right side of the "
                       "body.")
    return verdict("")
