"""The one H.264 writer: timestamps, sizes, the two clocks, and what a failure leaves."""

from __future__ import annotations

from fractions import Fraction

import av
import numpy as np
import pytest

from screening.encode import H264Writer


def _decoded(path):
    with av.open(str(path)) as c:
        stream = c.streams.video[0]
        times = sorted(float(f.pts * f.time_base) for f in c.decode(stream))
        return (stream.width, stream.height), stream.average_rate, times


def _grey(width: int, height: int, value: int = 80) -> np.ndarray:
    return np.full((height, width, 3), value, np.uint8)


def test_real_timestamps_from_the_first_frame_and_repeats_skipped(tmp_path):
    writer = H264Writer(tmp_path / "r.mp4")
    times = [10.0, 10.04, 10.04, 10.15, 10.30, 10.31]
    written = [writer.write(_grey(161, 121), t) for t in times]
    assert written == [True, True, False, True, True, True]
    assert writer.frames_written == 5
    assert writer.duration_s == pytest.approx(0.31)
    assert writer.close() == tmp_path / "r.mp4"
    size, _rate, times_s = _decoded(tmp_path / "r.mp4")
    assert size == (160, 120)            # odd sizes rounded down to even (yuv420p)
    assert times_s == pytest.approx([0.0, 0.04, 0.15, 0.30, 0.31], abs=2e-3)


def test_a_given_origin_keeps_the_videos_own_times(tmp_path):
    with H264Writer(tmp_path / "own.mp4", origin_s=0.0) as writer:
        for t in (0.5, 0.533, 0.6):
            writer.write(_grey(64, 48), t)
    assert _decoded(tmp_path / "own.mp4")[2] == pytest.approx([0.5, 0.533, 0.6], abs=1e-3)


def test_a_constant_rate_counts_frames(tmp_path):
    with H264Writer(tmp_path / "c.mp4", fps=15) as writer:
        assert writer.time_base == Fraction(1, 15)
        for i in range(10):
            writer.write(_grey(64, 48, 10 * i), i / 15)
    size, rate, times_s = _decoded(tmp_path / "c.mp4")
    assert size == (64, 48) and rate == 15
    assert times_s == pytest.approx([i / 15 for i in range(10)], abs=1e-3)


def test_frames_of_another_size_are_scaled_to_the_output_size(tmp_path):
    with H264Writer(tmp_path / "s.mp4", size_px=(97, 64), fps=10) as writer:
        writer.write(_grey(200, 100), 0.0)
        writer.write(_grey(50, 50), 0.1)
    assert _decoded(tmp_path / "s.mp4")[0] == (96, 64)


def test_no_frame_means_no_file(tmp_path):
    assert H264Writer(tmp_path / "x.mp4").close() is None
    assert not (tmp_path / "x.mp4").exists()


def test_an_error_while_writing_is_not_hidden_by_closing(tmp_path):
    with pytest.raises(RuntimeError, match="drawing failed"):
        with H264Writer(tmp_path / "e.mp4") as writer:
            writer.write(_grey(64, 48), 0.0)
            raise RuntimeError("drawing failed")


def test_settings_are_checked():
    with pytest.raises(ValueError, match="fps"):
        H264Writer("x.mp4", fps=0)
    with pytest.raises(ValueError, match="size_px"):
        H264Writer("x.mp4", size_px=(1, 10))


def test_yuv420p_frames_are_encoded_as_given(tmp_path):
    import cv2

    rgb = _grey(160, 120, 150)
    rgb[:, :80, 0] = 220                                 # a red-ish left half
    yuv = cv2.cvtColor(rgb, cv2.COLOR_RGB2YUV_I420)      # (180, 160): planes Y, U, V
    with H264Writer(tmp_path / "y.mp4") as writer:
        assert writer.write(yuv, 0.0, pixel_format="yuv420p")
        assert writer.write(yuv, 0.1, pixel_format="yuv420p")
    size, _rate, times_s = _decoded(tmp_path / "y.mp4")
    assert size == (160, 120) and times_s == pytest.approx([0.0, 0.1], abs=2e-3)
    with av.open(str(tmp_path / "y.mp4")) as c:
        back = next(c.decode(video=0)).to_ndarray(format="rgb24")
    assert np.abs(back.astype(int) - rgb.astype(int)).mean() < 4
    with pytest.raises(ValueError, match="pixel_format"):
        H264Writer(tmp_path / "z.mp4").write(yuv, 0.0, pixel_format="nv12")
