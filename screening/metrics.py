"""Per-hold measurements: pelvic drop, trunk lean, time-to-drop (pure functions).

Trunk lean: the angle of the line from mid-hip to mid-shoulder against the image
vertical (:func:`screening.geometry.trunk_lean_toward_left_deg`), relative to the two-leg
baseline, **positive = toward the stance side** (the compensation that can hide a drop).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .geometry import trunk_lean_toward_left_deg
from .landmarks import LandmarkSeries
from .phases import Hold, relative_to_baseline


def trunk_lean_deg(series: LandmarkSeries, hold: Hold) -> np.ndarray:
    """(N,) trunk lean toward the stance side of ``hold``, relative to its baseline."""
    lean_left = relative_to_baseline(trunk_lean_toward_left_deg(series.xy_px), hold)
    return lean_left if hold.stance_side == "left" else -lean_left


def time_to_drop_s(t_s: np.ndarray, drop_deg: np.ndarray, threshold_deg: float,
                   hysteresis_deg: float) -> float | None:
    """Seconds from the first sample to the moment the drop reaches ``threshold_deg`` and
    stays above ``threshold_deg - hysteresis_deg`` until the end; None if it never does."""
    if len(t_s) == 0:
        return None
    above = np.nan_to_num(drop_deg, nan=-np.inf) >= threshold_deg
    stays = np.nan_to_num(drop_deg, nan=np.inf) >= threshold_deg - hysteresis_deg
    # stays_to_end[i]: every sample from i on stays above the lower bound
    stays_to_end = np.flip(np.cumprod(np.flip(stays).astype(int))).astype(bool)
    hits = np.flatnonzero(above & stays_to_end)
    return float(t_s[hits[0]] - t_s[0]) if hits.size else None


def _offset(value: float | None, by: float) -> float | None:
    return None if value is None else value + by


@dataclass(frozen=True)
class HoldMetrics:
    drop_median_deg: float
    drop_peak_deg: float
    drop_p25_deg: float
    drop_p75_deg: float
    lean_median_deg: float
    time_to_drop_s: float | None
    valid_fraction: float
    filled_fraction: float


def summarise_hold(t_s: np.ndarray, drop_deg: np.ndarray, lean_deg: np.ndarray,
                   filled: np.ndarray, *, threshold_deg: float, hysteresis_deg: float,
                   start_s: float | None = None) -> HoldMetrics:
    """Statistics over the frames of one (steady) hold, arrays already cut to it.

    The peak is the 95th percentile, so one noisy frame does not make it. Time-to-drop
    counts from ``start_s`` (the hold start; default: the first sample).
    """
    finite = np.isfinite(drop_deg)
    n = max(len(drop_deg), 1)
    if not finite.any():
        nan = float("nan")
        return HoldMetrics(nan, nan, nan, nan, nan, None, 0.0, 0.0)
    d = drop_deg[finite]
    return HoldMetrics(
        drop_median_deg=float(np.median(d)),
        drop_peak_deg=float(np.percentile(d, 95)),
        drop_p25_deg=float(np.percentile(d, 25)),
        drop_p75_deg=float(np.percentile(d, 75)),
        lean_median_deg=float(np.nanmedian(lean_deg)) if np.any(np.isfinite(lean_deg))
        else float("nan"),
        time_to_drop_s=_offset(time_to_drop_s(t_s, drop_deg, threshold_deg, hysteresis_deg),
                               0.0 if start_s is None else float(t_s[0]) - start_s),
        valid_fraction=float(finite.sum() / n),
        filled_fraction=float(np.asarray(filled, dtype=bool).sum() / n),
    )
