"""Small copies of the frames, kept during the pose pass for the annotated video and the
report's key frames.

Decoding a large video twice costs more than the annotation itself, so while the pose
runs, each frame is shrunk to the annotated size in a worker thread (OpenCV releases the
GIL, so this overlaps with pose estimation). The first ``raw_bytes`` of frames are kept
as they are, in YUV 4:2:0 (1.5 bytes a pixel, the encoder's own format: nothing to
compress or decompress); the frames after them are JPEG-compressed. Memory is bounded by
``max_bytes``: past it the store gives up and the annotated video decodes the source
again instead.
"""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor
from typing import Iterator

import cv2
import numpy as np

from .video import keep_frame, scaled_size


class FrameStore:
    """``min_interval_s`` > 0 keeps a frame only when at least that long after the last
    one kept (the annotated video's frame-rate cap)."""

    def __init__(self, long_side_px: int, *, quality: int = 85, max_bytes: int = 400 << 20,
                 raw_bytes: int = 192 << 20, min_interval_s: float = 0.0):
        self.long_side_px = long_side_px
        self.min_interval_s = min_interval_s
        self.quality = quality
        self.max_bytes = max_bytes
        self.raw_bytes = min(raw_bytes, max_bytes)
        self._pool = ThreadPoolExecutor(max_workers=1)
        self._pending: list[Future] = []   # each: I420 array (raw) or JPEG bytes
        self._times: list[float] = []
        self._raw_used = 0                 # bytes of the raw frames (known when added)
        self._jpeg_checked = 0             # JPEG bytes counted so far
        self.complete = True  # False once frames were dropped for lack of memory

    def add(self, t_s: float, rgb: np.ndarray) -> None:
        if not self.complete or not keep_frame(t_s, self._times[-1] if self._times else None,
                                               self.min_interval_s):
            return
        w, h = scaled_size(rgb.shape[1], rgb.shape[0], self.long_side_px)
        raw = w * h * 3 // 2
        self._times.append(t_s)
        if self._raw_used + raw <= self.raw_bytes:
            self._raw_used += raw
            self._pending.append(self._pool.submit(_to_i420, rgb, (w, h)))
            return
        self._pending.append(self._pool.submit(self._encode, rgb, (w, h)))
        if len(self._pending) % 64 == 0:
            jpeg = sum(len(f.result()) for f in self._pending
                       if f.done() and isinstance(f.result(), bytes))
            if self._raw_used + jpeg > self.max_bytes:
                self.drop()

    def _encode(self, rgb: np.ndarray, size: tuple[int, int]) -> bytes:
        ok, buf = cv2.imencode(".jpg", _resized(rgb, size)[:, :, ::-1],
                               [cv2.IMWRITE_JPEG_QUALITY, self.quality])
        return buf.tobytes() if ok else b""

    def drop(self) -> None:
        self.complete = False
        for f in self._pending:
            f.cancel()
        self._pending.clear()
        self._times.clear()
        self._raw_used = 0

    def frames(self) -> Iterator[tuple[float, np.ndarray]]:
        """Yield ``(t_s, rgb)`` of the stored frames, decoding one ahead in the worker."""
        decode = self._pool.submit
        ahead = None
        for i, t_s in enumerate(self._times):
            current = ahead.result() if ahead is not None else _rgb(self._pending[i].result())
            if i + 1 < len(self._pending):
                ahead = decode(lambda f=self._pending[i + 1]: _rgb(f.result()))
            yield t_s, current

    def frames_i420(self) -> Iterator[tuple[float, np.ndarray]]:
        """Yield ``(t_s, yuv)``: the stored frames in YUV 4:2:0, shape (H * 3 / 2, W), the
        layout of ``av.VideoFrame.from_ndarray(yuv, format="yuv420p")``."""
        for i, t_s in enumerate(self._times):
            stored = self._pending[i].result()
            yield t_s, stored if isinstance(stored, np.ndarray) else _to_i420(_rgb(stored))

    def frame_at(self, index: int) -> np.ndarray:
        """Frame ``index`` (in the order added) as RGB."""
        return _rgb(self._pending[index].result())

    def times_s(self) -> list[float]:
        return list(self._times)

    def close(self) -> None:
        self.drop()
        self._pool.shutdown(wait=True, cancel_futures=True)

    def __len__(self) -> int:
        return len(self._times)


def _resized(rgb: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    if size == (rgb.shape[1], rgb.shape[0]):
        return rgb
    return cv2.resize(rgb, size, interpolation=cv2.INTER_LINEAR)


def _to_i420(rgb: np.ndarray, size: tuple[int, int] | None = None) -> np.ndarray:
    """RGB (resized to ``size``, even sides) as YUV 4:2:0 (BT.601, limited range, as the
    H.264 encoder expects)."""
    small = rgb if size is None else _resized(rgb, size)
    return cv2.cvtColor(np.ascontiguousarray(small), cv2.COLOR_RGB2YUV_I420)


def _rgb(stored: np.ndarray | bytes) -> np.ndarray:
    """A stored frame (I420 array or JPEG bytes) as RGB."""
    if isinstance(stored, np.ndarray):
        return cv2.cvtColor(stored, cv2.COLOR_YUV2RGB_I420)
    bgr = cv2.imdecode(np.frombuffer(stored, np.uint8), cv2.IMREAD_COLOR)
    return np.ascontiguousarray(bgr[:, :, ::-1])
