"""Masks, gap filling and zero-phase filtering of landmark tracks (pure functions).

Missing samples are NaN. Only gaps up to ``max_gap_s`` are filled (linearly) and every
filled sample is flagged; longer gaps stay NaN. Filtering runs on each valid stretch
separately, forwards and backwards (no phase lag), with the cutoff in Hz and the frame
rate measured from the timestamps. The Butterworth design and the forward-backward filter
are written here in numpy, as scipy.signal's ``butter`` and ``sosfiltfilt`` (equal within
1e-9, tests/test_signal.py): importing scipy.signal costs a fresh process over a second.
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


def butterworth_lowpass_sos(order: int, wn: float) -> np.ndarray:
    """Digital Butterworth low-pass of ``order`` as second-order sections, shape
    ``(ceil(order / 2), 6)``: rows ``[b0, b1, b2, 1, a1, a2]``.

    ``wn``: the cutoff as a fraction of the Nyquist frequency, 0 < wn < 1. The design of
    ``scipy.signal.butter(order, wn, output="sos")``: the analog prototype's poles, the
    cutoff pre-warped, the bilinear transform; every zero at -1, the gain in the first
    section, the sections ordered from the poles farthest from the unit circle to the
    nearest. An odd order's real pole (the farthest) makes a first-order section
    (``b2 = a2 = 0``); scipy may give its second zero to another section instead: the
    same filter, the same coefficients for even orders.
    """
    if order < 1 or int(order) != order:
        raise ValueError(f"a Butterworth filter needs a whole order of at least 1, "
                         f"got {order}")
    if not 0.0 < wn < 1.0:
        raise ValueError(f"the cutoff must lie between 0 and the Nyquist frequency "
                         f"(0 < wn < 1), got wn = {wn}")
    order = int(order)
    fs2 = 4.0                                    # 2 x the sampling rate of 2 (Nyquist 1)
    warped = fs2 * np.tan(np.pi * wn / 2.0)      # the analog cutoff, pre-warped
    m = np.arange(-order + 1, order, 2)
    poles_s = warped * -np.exp(1j * np.pi * m / (2 * order))
    gain = warped ** order * np.real(1.0 / np.prod(fs2 - poles_s))
    poles_z = (fs2 + poles_s) / (fs2 - poles_s)
    # one pole of each conjugate pair (upper half plane), nearest the unit circle last
    upper = sorted(poles_z[poles_z.imag > 0], key=lambda p: abs(1.0 - abs(p)), reverse=True)
    sos = np.array([[1.0, 2.0, 1.0, 1.0, -2.0 * p.real, (p * np.conj(p)).real]
                    for p in upper]).reshape(-1, 6)
    if order % 2:
        real = float(poles_z[order // 2].real)   # m = 0: the prototype's pole at -1
        sos = np.vstack([[1.0, 1.0, 0.0, 1.0, -real, 0.0], sos])
    sos[0, :3] *= gain
    return sos


def sos_steady_state(sos: np.ndarray) -> np.ndarray:
    """The state ``(n_sections, 2)`` of the cascade ``sos`` after a long run of ones (a
    step's steady state), as ``scipy.signal.sosfilt_zi``: scaled by the first value, the
    filter starts without a transient."""
    zi = np.zeros((len(sos), 2))
    scale = 1.0
    for k, (b0, b1, b2, _, a1, a2) in enumerate(np.asarray(sos, dtype=float)):
        # transposed direct form II at rest on input 1 and output b.sum() / a.sum()
        z0 = ((b1 - a1 * b0) + (b2 - a2 * b0)) / (1.0 + a1 + a2)
        zi[k] = scale * z0, scale * ((b2 - a2 * b0) - a2 * z0)
        scale *= (b0 + b1 + b2) / (1.0 + a1 + a2)
    return zi


def sos_filter(sos: np.ndarray, x: np.ndarray, zi: np.ndarray) -> np.ndarray:
    """Run the cascade ``sos`` along axis 0 of ``x`` (N, M), each column on its own, from
    the state ``zi`` (n_sections, 2, M); transposed direct form II, as
    ``scipy.signal.sosfilt``."""
    y = np.array(x, dtype=float)
    state = np.array(zi, dtype=float)
    for k, (b0, b1, b2, _, a1, a2) in enumerate(np.asarray(sos, dtype=float)):
        z0, z1 = state[k]
        for n in range(len(y)):
            xn = y[n].copy()
            y[n] = b0 * xn + z0
            z0 = b1 * xn - a1 * y[n] + z1
            z1 = b2 * xn - a2 * y[n]
    return y


def zero_phase_filter(sos: np.ndarray, x: np.ndarray) -> np.ndarray:
    """``sos`` forwards then backwards along axis 0 of ``x`` (N, M), no phase lag, as
    ``scipy.signal.sosfiltfilt`` with its defaults: each end extended by its odd
    reflection over ``3 x (2 n_sections + 1)`` samples (fewer by one per first-order
    section), each pass started in the steady state of its first value."""
    x = np.asarray(x, dtype=float)
    ntaps = 2 * len(sos) + 1 - min(int((sos[:, 2] == 0).sum()), int((sos[:, 5] == 0).sum()))
    edge = 3 * ntaps
    if len(x) <= edge:
        raise ValueError(f"{len(x)} samples are too few to filter: more than {edge} needed")
    ext = np.concatenate([2 * x[:1] - x[edge:0:-1], x, 2 * x[-1:] - x[-2:-edge - 2:-1]])
    zi = sos_steady_state(sos)[:, :, None]
    y = sos_filter(sos, ext, zi * ext[0])
    y = sos_filter(sos, y[::-1], zi * y[-1])[::-1]
    return y[edge:-edge]


def lowpass(values: np.ndarray, t_s: np.ndarray, cutoff_hz: float, order: int = 2) -> np.ndarray:
    """Zero-phase Butterworth low-pass of each valid stretch (NaN stays NaN).

    The cutoff is clipped below the Nyquist frequency of the measured frame rate.
    Stretches too short to filter are returned unchanged.
    """
    values = np.asarray(values, dtype=float)
    return lowpass_columns(values[:, None], t_s, cutoff_hz, order)[:, 0]


def lowpass_columns(values: np.ndarray, t_s: np.ndarray, cutoff_hz: float,
                    order: int = 2) -> np.ndarray:
    """:func:`lowpass` of each column of ``values`` (N, M); the columns whose valid
    stretches start and stop together are filtered together."""
    values = np.asarray(values, dtype=float)
    out = values.copy()
    if len(t_s) < 2:
        return out
    fps = 1.0 / float(np.median(np.diff(t_s)))
    wn = min(cutoff_hz / (fps / 2.0), 0.95)
    sos = butterworth_lowpass_sos(order, wn)
    min_len = 3 * (2 * len(sos) + 1)
    stretches: dict[tuple[int, int], list[int]] = {}
    for column in range(values.shape[1]):
        for start, stop in valid_runs(~np.isnan(values[:, column])):
            if stop - start > min_len:
                stretches.setdefault((start, stop), []).append(column)
    for (start, stop), columns in stretches.items():
        out[start:stop, columns] = zero_phase_filter(sos, values[start:stop, columns])
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
            xy[:, j, axis], filled = fill_short_gaps(xy[:, j, axis], series.t_s, max_gap_s)
            filled_any[:, j] |= filled
    n, joints, _ = xy.shape
    xy = lowpass_columns(xy.reshape(n, joints * 2), series.t_s, cutoff_hz).reshape(xy.shape)
    return series.with_values(xy_px=xy, filled=filled_any)
