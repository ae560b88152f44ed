"""The frames kept during the pose pass for the annotated video (screening.framestore)."""

import numpy as np

from screening.framestore import FrameStore


def gradient(value: int, width: int = 540, height: int = 960) -> np.ndarray:
    rgb = np.zeros((height, width, 3), np.uint8)
    rgb[:, :, 0] = value
    rgb[:, :, 1] = np.linspace(0, 255, width, dtype=np.uint8)[None, :]
    rgb[:, :, 2] = np.linspace(0, 255, height, dtype=np.uint8)[:, None]
    return rgb


def stored(store: FrameStore) -> list[tuple[float, np.ndarray]]:
    return list(store.frames())


def test_frames_come_back_shrunk_in_order_and_close_to_the_original():
    store = FrameStore(720)
    try:
        for i in range(5):
            store.add(i / 15, gradient(40 * i))
        frames = stored(store)
        assert [t for t, _ in frames] == [i / 15 for i in range(5)]
        for i, (_, rgb) in enumerate(frames):
            assert rgb.shape == (720, 404, 3)
            assert abs(float(rgb[:, :, 0].mean()) - 40 * i) < 3
        np.testing.assert_array_equal(store.frame_at(3), frames[3][1])
    finally:
        store.close()


def test_frames_past_the_raw_budget_are_jpeg_and_past_the_limit_dropped():
    one_raw = 404 * 720 * 3 // 2
    store = FrameStore(720, raw_bytes=2 * one_raw)
    try:
        for i in range(6):
            store.add(i / 15, gradient(40 * i))
        kinds = [type(f.result()) for f in store._pending]
        assert kinds == [np.ndarray] * 2 + [bytes] * 4
        frames = stored(store)
        assert len(frames) == 6 and store.complete
        assert abs(float(frames[5][1][:, :, 0].mean()) - 200) < 4
    finally:
        store.close()
    tiny = FrameStore(720, raw_bytes=0, max_bytes=1000)
    try:
        for i in range(70):
            tiny.add(i / 15, gradient(i))
        assert not tiny.complete and len(tiny) == 0
    finally:
        tiny.close()


def test_the_frame_rate_cap_keeps_frames_apart():
    store = FrameStore(720, min_interval_s=1 / 15)
    try:
        for i in range(6):                      # 30 fps
            store.add(i / 30, gradient(i))
        assert store.times_s() == [0.0, 2 / 30, 4 / 30]
    finally:
        store.close()
