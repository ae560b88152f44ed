"""Reading videos (no model): timestamps, rotation metadata, downscaling, prefetching.

Every kind of broken file: tests/test_bad_inputs.py."""

import numpy as np
import pytest
from clips import set_display_rotation
from fakes import plain_frames, write_video

from screening.errors import InputError
from screening.video import iter_frames, probe, scaled_size


@pytest.fixture
def small_clip(tmp_path):
    return write_video(tmp_path / "clip.mp4", plain_frames(45), fps=15)


def test_probe_and_timestamps_from_the_container(small_clip):
    info = probe(small_clip)
    assert (info.width_px, info.height_px) == (540, 960)
    assert info.fps_nominal == pytest.approx(15)
    times = [t for t, _ in iter_frames(small_clip)]
    assert len(times) == 45
    assert times[0] == 0.0
    np.testing.assert_allclose(np.diff(times), 1 / 15, atol=1e-6)


@pytest.mark.parametrize("clockwise", [90, 270])
def test_rotation_metadata_gives_upright_frames(tmp_path, clockwise):
    upright = np.zeros((80, 40, 3), np.uint8)
    upright[:10] = 255  # white band at the top of the upright picture
    # store the picture sideways, as a phone does, and say so in the metadata
    stored = np.rot90(upright, k=1 if clockwise == 90 else -1)
    path = write_video(tmp_path / "phone.mp4", [stored] * 5)
    set_display_rotation(path, clockwise)
    info = probe(path)
    assert (info.width_px, info.height_px) == (40, 80)
    _, rgb = next(iter_frames(path))
    assert rgb.shape == (80, 40, 3)
    rows = np.flatnonzero(rgb[:, :, 0].mean(axis=1) > 128)
    assert rows.min() == 0 and rows.max() <= 12


def test_downscaling_keeps_aspect_and_even_sizes(tmp_path):
    assert scaled_size(3840, 2160, 1280) == (1280, 720)
    assert scaled_size(1081, 1921, 1280) == (720, 1280)
    assert scaled_size(640, 480, 1280) == (640, 480)
    path = write_video(tmp_path / "big.mp4", plain_frames(3, width=1920, height=1080))
    _, rgb = next(iter_frames(path, max_long_side_px=960))
    assert rgb.shape == (540, 960, 3)


def test_prefetch_keeps_order_and_raises_errors_in_the_caller():
    from screening.video import prefetch

    assert list(prefetch(iter(range(100)), depth=3)) == list(range(100))

    def broken():
        yield 1
        raise InputError("bad frame", "fix it", code="damaged_video")

    got = []
    with pytest.raises(InputError, match="bad frame"):
        for item in prefetch(broken()):
            got.append(item)
    assert got == [1]


def test_prefetch_stops_its_thread_when_the_consumer_stops_early():
    import threading

    from screening.video import prefetch

    before = threading.active_count()
    stream = prefetch(iter(range(10_000)), depth=2)
    assert next(stream) == 0
    stream.close()
    assert threading.active_count() == before


def test_mean_brightness_equals_numpy_mean_exactly():
    from screening.pose import mean_brightness

    rng = np.random.default_rng(7)
    for shape in ((540, 960, 3), (1920, 1080, 3), (3, 5, 3)):
        rgb = rng.integers(0, 256, size=shape, dtype=np.uint8)
        assert mean_brightness(rgb) == float(rgb.mean())
        mirrored = rgb[:, ::-1]                      # a view OpenCV is not given
        assert mean_brightness(mirrored) == float(mirrored.mean())
    assert mean_brightness(np.full((4, 4, 3), 255, np.uint8)) == 255.0
