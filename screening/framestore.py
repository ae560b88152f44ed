"""Small JPEG copies of the frames, kept during the pose pass for the annotated video.

Decoding a large video twice costs more than the annotation itself, so while the pose
runs, each frame is shrunk to the annotated size and JPEG-compressed in a worker thread
(OpenCV releases the GIL, so this overlaps with pose estimation). Memory is bounded by
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
                 min_interval_s: float = 0.0):
        self.long_side_px = long_side_px
        self.min_interval_s = min_interval_s
        self.quality = quality
        self.max_bytes = max_bytes
        self._pool = ThreadPoolExecutor(max_workers=1)
        self._pending: list[Future] = []
        self._times: list[float] = []
        self._bytes = 0
        self.complete = True  # False once frames were dropped for lack of memory

    def add(self, t_s: float, rgb: np.ndarray) -> None:
        if not self.complete or not keep_frame(t_s, self._times[-1] if self._times else None,
                                               self.min_interval_s):
            return
        self._times.append(t_s)
        self._pending.append(self._pool.submit(self._encode, rgb))
        if len(self._pending) % 64 == 0:
            self._bytes = sum(len(f.result()) for f in self._pending if f.done())
            if self._bytes > self.max_bytes:
                self.drop()

    def _encode(self, rgb: np.ndarray) -> bytes:
        w, h = scaled_size(rgb.shape[1], rgb.shape[0], self.long_side_px)
        small = cv2.resize(rgb, (w, h), interpolation=cv2.INTER_LINEAR) \
            if (w, h) != (rgb.shape[1], rgb.shape[0]) else rgb
        ok, buf = cv2.imencode(".jpg", small[:, :, ::-1], [cv2.IMWRITE_JPEG_QUALITY, self.quality])
        return buf.tobytes() if ok else b""

    def drop(self) -> None:
        self.complete = False
        for f in self._pending:
            f.cancel()
        self._pending.clear()
        self._times.clear()

    def frames(self) -> Iterator[tuple[float, np.ndarray]]:
        """Yield ``(t_s, rgb)`` of the stored frames, decoding one ahead in the worker."""
        decode = self._pool.submit
        ahead = None
        for i, (t_s, fut) in enumerate(zip(self._times, self._pending, strict=True)):
            current = ahead.result() if ahead is not None else _decode(fut.result())
            if i + 1 < len(self._pending):
                ahead = decode(lambda f=self._pending[i + 1]: _decode(f.result()))
            yield t_s, current

    def close(self) -> None:
        self.drop()
        self._pool.shutdown(wait=True, cancel_futures=True)

    def __len__(self) -> int:
        return len(self._times)


def _decode(data: bytes) -> np.ndarray:
    bgr = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    return np.ascontiguousarray(bgr[:, :, ::-1])
