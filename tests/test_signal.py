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
