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
