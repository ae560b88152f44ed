"""Masks, gap filling and zero-phase filtering of landmark tracks (pure functions).

Missing samples are NaN. Only gaps up to ``max_gap_s`` are filled (linearly) and every
filled sample is flagged; longer gaps stay NaN. Filtering runs on each valid stretch
separately, forwards and backwards (no phase lag), with the cutoff in Hz and the frame
rate measured from the timestamps.
"""

from __future__ import annotations

import numpy as np
from scipy.signal import butter, sosfiltfilt

from .landmarks import LandmarkSeries


def valid_runs(valid: np.ndarray) -> list[tuple[int, int]]:
    """Half-open index ranges [start, stop) of consecutive True values."""
    valid = np.asarray(valid, dtype=bool)
    if valid.size == 0:
        return []
    edges = np.diff(np.concatenate([[0], valid.astype(np.int8), [0]]))
    starts = np.flatnonzero(edges == 1)
    stops = np.flatnonzero(edges == -1)
    return list(zip(starts.tolist(), stops.tolist(), strict=True))


def fill_short_gaps(values: np.ndarray, t_s: np.ndarray, max_gap_s: float
                    ) -> tuple[np.ndarray, np.ndarray]:
    """Linearly fill NaN gaps no longer than ``max_gap_s`` that have data on both sides.

    Returns ``(filled_values, filled_mask)``.
    """
    values = np.asarray(values, dtype=float)
    out = values.copy()
    filled = np.zeros(values.shape, dtype=bool)
    missing = np.isnan(values)
    for start, stop in valid_runs(missing):
        if start == 0 or stop == len(values):
            continue
        if t_s[stop] - t_s[start - 1] > max_gap_s + 1e-9:
            continue
        out[start:stop] = np.interp(t_s[start:stop], [t_s[start - 1], t_s[stop]],
                                    [values[start - 1], values[stop]])
        filled[start:stop] = True
    return out, filled


def lowpass(values: np.ndarray, t_s: np.ndarray, cutoff_hz: float, order: int = 2) -> np.ndarray:
    """Zero-phase Butterworth low-pass of each valid stretch (NaN stays NaN).

    The cutoff is clipped below the Nyquist frequency of the measured frame rate.
    Stretches too short to filter are returned unchanged.
    """
    values = np.asarray(values, dtype=float)
    out = values.copy()
    if len(t_s) < 2:
        return out
    fps = 1.0 / float(np.median(np.diff(t_s)))
    wn = min(cutoff_hz / (fps / 2.0), 0.95)
    sos = butter(order, wn, output="sos")
    padlen = 3 * (2 * len(sos) + 1)
    for start, stop in valid_runs(~np.isnan(values)):
        if stop - start > padlen:
            out[start:stop] = sosfiltfilt(sos, values[start:stop])
    return out


def clean_series(series: LandmarkSeries, *, min_visibility: float, max_gap_s: float,
                 cutoff_hz: float) -> LandmarkSeries:
    """Gate on visibility/presence, fill short gaps (flagged), and low-pass every track."""
    xy = series.xy_px.copy()
    trusted = (series.visibility >= min_visibility) & (series.presence >= min_visibility)
    xy[~trusted] = np.nan
    filled_any = np.zeros(xy.shape[:2], dtype=bool)
    for j in range(xy.shape[1]):
        for axis in range(2):
            track, filled = fill_short_gaps(xy[:, j, axis], series.t_s, max_gap_s)
            xy[:, j, axis] = lowpass(track, series.t_s, cutoff_hz)
            filled_any[:, j] |= filled
    return series.with_values(xy_px=xy, filled=filled_any)
