"""Masks, gap filling and zero-phase filtering of landmark tracks (pure functions).

Missing samples are NaN. Only gaps up to ``max_gap_s`` are filled (linearly) and every
filled sample is flagged; longer gaps stay NaN. Filtering runs on each valid stretch
separately, forwards and backwards (no phase lag), with the cutoff in Hz and the frame
rate measured from the timestamps.
"""

from __future__ import annotations

import warnings

import numpy as np

from .geometry import hip_dx_px, shoulder_dx_px
from .landmarks import (
    LEFT_HIP,
    LEFT_SHOULDER,
    RIGHT_HIP,
    RIGHT_SHOULDER,
    LandmarkSeries,
    swap_index,
)


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
    # imported here: scipy.signal takes over a second of CPU to import, which
    # screening.pipeline lets run during the pose pass (everything else loads without it)
    from scipy.signal import butter, sosfiltfilt

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


def fix_side_swaps(series: LandmarkSeries) -> tuple[LandmarkSeries, int]:
    """Undo frames where the model swapped its left and right labels.

    The person keeps one orientation to the camera, so the sign of x_left - x_right of the
    hips (and shoulders) is the same in every frame. A frame where both hips and shoulders
    have the opposite sign of the recording's majority had its labels swapped: swap back.
    Returns the corrected series and the number of frames fixed.
    """
    xy = series.xy_px
    hips = np.sign(hip_dx_px(xy))
    shoulders = np.sign(shoulder_dx_px(xy))
    majority = np.sign(np.nansum(hips))
    if majority == 0:
        return series, 0
    swapped = (hips == -majority) & (shoulders == -majority)
    if not swapped.any():
        return series, 0
    perm = swap_index()
    fixed = {name: getattr(series, name).copy() for name in
             ("xy_px", "visibility", "presence", "world_xyz_m")}
    for name, values in fixed.items():
        values[swapped] = getattr(series, name)[swapped][:, perm]
    return series.with_values(**fixed), int(swapped.sum())


def implausible_jumps(xy: np.ndarray, t_s: np.ndarray, scale_px: float,
                      max_speed_scale_per_s: float = 8.0) -> np.ndarray:
    """(N, J) True where a landmark sits far from the median of its neighbours in time.

    A point more than ``max_speed_scale_per_s`` x ``scale_px`` per second (at the measured
    frame rate, at least 0.15 x ``scale_px``) away from the median of the 5 frames around
    it is a glitch, not a movement.
    """
    n = len(xy)
    if n < 5 or not np.isfinite(scale_px) or scale_px <= 0:
        return np.zeros(xy.shape[:2], dtype=bool)
    dt = float(np.median(np.diff(t_s)))
    limit = max(0.15, max_speed_scale_per_s * dt) * scale_px
    padded = np.concatenate([xy[:1], xy[:1], xy, xy[-1:], xy[-1:]])
    windows = np.stack([padded[i:i + n] for i in range(5)])  # (5, N, J, 2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN windows stay NaN
        med = np.nanmedian(windows, axis=0)
    dist = np.linalg.norm(xy - med, axis=-1)
    return np.nan_to_num(dist, nan=0.0) > limit


def clean_series(series: LandmarkSeries, *, min_visibility: float, max_gap_s: float,
                 cutoff_hz: float) -> LandmarkSeries:
    """Gate on visibility/presence and plausibility, fill short gaps (flagged), low-pass."""
    xy = series.xy_px.copy()
    trusted = (series.visibility >= min_visibility) & (series.presence >= min_visibility)
    xy[~trusted] = np.nan
    mid_hip = np.nanmean(xy[:, [LEFT_HIP, RIGHT_HIP]], axis=1) if len(xy) else xy[:, 0]
    mid_sh = np.nanmean(xy[:, [LEFT_SHOULDER, RIGHT_SHOULDER]], axis=1) if len(xy) else xy[:, 0]
    torso = np.linalg.norm(mid_sh - mid_hip, axis=1)
    scale = float(np.nanmedian(torso)) if np.any(np.isfinite(torso)) else float("nan")
    xy[implausible_jumps(xy, series.t_s, scale)] = np.nan
    filled_any = np.zeros(xy.shape[:2], dtype=bool)
    for j in range(xy.shape[1]):
        for axis in range(2):
            track, filled = fill_short_gaps(xy[:, j, axis], series.t_s, max_gap_s)
            xy[:, j, axis] = lowpass(track, series.t_s, cutoff_hz)
            filled_any[:, j] |= filled
    return series.with_values(xy_px=xy, filled=filled_any)
