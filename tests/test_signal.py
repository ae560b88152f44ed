from pathlib import Path

import numpy as np
import pytest

from screening.signal import fill_short_gaps, lowpass, valid_runs


def test_valid_runs():
    assert valid_runs(np.array([0, 1, 1, 0, 1], bool)) == [(1, 3), (4, 5)]
    assert valid_runs(np.array([], bool)) == []


def test_fill_short_gaps_fills_and_flags_only_short_inner_gaps():
    t = np.arange(10) / 10.0
    x = np.arange(10, dtype=float)
    x[[0, 3, 4, 7, 8, 9]] = np.nan  # leading gap, 0.2 s inner gap, trailing gap
    filled, mask = fill_short_gaps(x, t, max_gap_s=0.3)
    np.testing.assert_allclose(filled[3:5], [3.0, 4.0])
    assert mask.tolist() == [False, False, False, True, True, False, False, False, False, False]
    assert np.isnan(filled[0]) and np.isnan(filled[9])
    # a gap longer than allowed stays missing
    filled, mask = fill_short_gaps(x, t, max_gap_s=0.1)
    assert np.isnan(filled[3]) and not mask.any()


def test_lowpass_is_zero_phase_and_keeps_nan():
    t = np.arange(300) / 30.0
    slow = np.sin(2 * np.pi * 0.5 * t)
    noisy = slow + 0.3 * np.sin(2 * np.pi * 12 * t)
    noisy[150] = np.nan
    out = lowpass(noisy, t, cutoff_hz=4.0)
    assert np.isnan(out[150])
    inner = np.r_[20:130, 170:280]
    # the 12 Hz component is removed, the 0.5 Hz one kept with no lag
    assert np.max(np.abs(out[inner] - slow[inner])) < 0.05


def test_lowpass_clips_cutoff_to_nyquist():
    t = np.arange(60) / 10.0  # 10 fps: Nyquist 5 Hz, cutoff 6 Hz must still work
    x = np.sin(t)
    assert np.allclose(lowpass(x, t, cutoff_hz=6.0)[10:-10], x[10:-10], atol=0.05)


@pytest.mark.parametrize("n", [0, 1, 5])
def test_lowpass_short_input_unchanged(n):
    x = np.arange(n, dtype=float)
    np.testing.assert_array_equal(lowpass(x, np.arange(n) / 30.0, 5.0), x)


def test_fix_side_swaps_restores_swapped_frames():
    from fakes import series_from_xy, single_leg_series

    from screening.landmarks import LEFT_HIP, swap_index
    from screening.signal import fix_side_swaps

    series, _ = single_leg_series(duration_s=2.0)
    xy = series.xy_px.copy()
    xy[[5, 6, 20]] = xy[[5, 6, 20]][:, swap_index()]
    fixed, n = fix_side_swaps(series_from_xy(xy))
    assert n == 3
    np.testing.assert_allclose(fixed.xy_px[:, LEFT_HIP], series.xy_px[:, LEFT_HIP])
    unchanged, n = fix_side_swaps(series)
    assert n == 0 and unchanged is series


def test_implausible_jumps_flags_a_glitch_not_a_movement():
    from screening.signal import implausible_jumps

    t = np.arange(60) / 30.0
    xy = np.zeros((60, 1, 2))
    xy[:, 0, 0] = np.linspace(0, 100, 60)  # steady movement: 50 px/s with scale 100 px
    xy[30, 0, 1] = 60.0                      # one-frame glitch of 0.6 x scale
    flags = implausible_jumps(xy, t, scale_px=100.0)
    assert flags[:, 0].tolist() == [i == 30 for i in range(60)]


# --- the Butterworth low-pass against scipy.signal (a dev dependency, for these tests only)

ORDERS = (1, 2, 3, 4)            # the analysis uses 2; the design is general
CUTOFFS_HZ = (0.1, 0.5, 1.0, 2.0, 4.0, 5.0, 6.0, 8.0, 12.0, 20.0, 30.0)  # the setting's range
FPS = (5.0, 10.0, 12.5, 15.0, 24.0, 25.0, 29.97, 30.0, 50.0, 60.0, 120.0, 240.0)
REAL_TIMESERIES = (Path(__file__).parent / "data" / "result_schema_1.0" /
                   "positive_left_stance" / "timeseries.csv")


def scipy_lowpass(values, t_s, cutoff_hz, order=2):
    """The analysis' low-pass as it was written with scipy.signal: the reference."""
    signal = pytest.importorskip("scipy.signal")
    out = np.asarray(values, dtype=float).copy()
    fps = 1.0 / float(np.median(np.diff(t_s)))
    sos = signal.butter(order, min(cutoff_hz / (fps / 2.0), 0.95), output="sos")
    for start, stop in valid_runs(~np.isnan(out)):
        if stop - start > 3 * (2 * len(sos) + 1):
            out[start:stop] = signal.sosfiltfilt(sos, values[start:stop])
    return out


def assert_same(ours, theirs, rtol=1e-9):
    """Equal within ``rtol`` of the series' largest value, NaN where the other is NaN."""
    assert np.array_equal(np.isnan(ours), np.isnan(theirs))
    scale = max(float(np.nanmax(np.abs(theirs))), 1e-300)
    assert float(np.nanmax(np.abs(ours - theirs))) <= rtol * scale


def real_series() -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Columns of a result's timeseries.csv (a pose model's output on a rendered clip),
    with their NaN stretches."""
    import csv

    with REAL_TIMESERIES.open() as f:
        rows = list(csv.DictReader(f))
    t = np.array([float(r["t_s"]) for r in rows])
    return {name: (t, np.array([float(r[name]) if r[name] else np.nan for r in rows]))
            for name in ("hip_obliquity_deg", "pelvic_drop_deg", "trunk_lean_deg",
                         "lift_left_leg", "left_hip_x_px", "right_hip_y_px")}


@pytest.mark.parametrize("order", ORDERS)
def test_butterworth_design_is_scipys(order):
    signal = pytest.importorskip("scipy.signal")
    from screening.signal import butterworth_lowpass_sos, sos_steady_state

    for wn in (1e-3, 0.01, 0.1, 1 / 3, 0.5, 0.9, 0.95):
        ours, theirs = butterworth_lowpass_sos(order, wn), signal.butter(order, wn, output="sos")
        assert ours.shape == theirs.shape
        if order % 2 == 0 or order == 1:   # odd orders: scipy may pair the zeros otherwise
            np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=0)
            np.testing.assert_allclose(sos_steady_state(ours), signal.sosfilt_zi(theirs),
                                       rtol=1e-9, atol=0)


@pytest.mark.parametrize("order", ORDERS)
def test_lowpass_equals_scipy_on_random_series(order):
    rng = np.random.default_rng(order)
    for fps in FPS:
        for cutoff_hz in CUTOFFS_HZ:
            n = int(rng.integers(10, 400))
            t = np.arange(n) / fps + rng.normal(0, 0.05 / fps, n) * (rng.random() < 0.5)
            t.sort()
            x = np.cumsum(rng.normal(size=n)) + 100 * rng.random()   # a random walk ...
            x[rng.random(n) < 0.03] = np.nan                         # ... with holes
            assert_same(lowpass(x, t, cutoff_hz, order=order),
                        scipy_lowpass(x, t, cutoff_hz, order=order))


@pytest.mark.parametrize("name", ["hip_obliquity_deg", "pelvic_drop_deg", "trunk_lean_deg",
                                  "lift_left_leg", "left_hip_x_px", "right_hip_y_px"])
def test_lowpass_equals_scipy_on_real_series(name):
    t, x = real_series()[name]
    for order in ORDERS:
        for cutoff_hz in CUTOFFS_HZ:
            for step in (1, 2):   # 15 fps as recorded, 7.5 fps every other sample
                assert_same(lowpass(x[::step], t[::step], cutoff_hz, order=order),
                            scipy_lowpass(x[::step], t[::step], cutoff_hz, order=order))


def test_lowpass_columns_filters_each_column_as_alone():
    from screening.signal import lowpass_columns

    rng = np.random.default_rng(7)
    t = np.arange(200) / 15.0
    x = np.cumsum(rng.normal(size=(200, 5)), axis=0)
    x[50:54, 1] = np.nan     # a gap in one column
    x[:30, 3] = np.nan       # a late start in another
    x[:, 4] = np.nan         # one column without data
    together = lowpass_columns(x, t, 5.0)
    for column in range(5):
        np.testing.assert_array_equal(together[:, column], lowpass(x[:, column], t, 5.0))


@pytest.mark.parametrize("order, wn", [(0, 0.1), (2.5, 0.1), (2, 0.0), (2, 1.0)])
def test_butterworth_design_says_what_is_wrong(order, wn):
    from screening.signal import butterworth_lowpass_sos

    with pytest.raises(ValueError, match="order|cutoff"):
        butterworth_lowpass_sos(order, wn)
