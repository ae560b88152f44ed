"""The webcam test's recording: unmirrored frames with their own timestamps, as H.264."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import numpy as np


class Mp4Recorder:
    """Writes unmirrored RGB frames with their own timestamps to an H.264 mp4.

    The first frame fixes the size (cropped to even numbers for yuv420p); later frames of
    another size are scaled to it. Frames whose timestamp does not move forward are skipped,
    so the file's timestamps are strictly increasing.
    """

    def __init__(self, path: str | Path, *, crf: int = 20, preset: str = "veryfast") -> None:
        self.path = Path(path)
        self._crf, self._preset = crf, preset
        self._container = None
        self._stream = None
        self._size: tuple[int, int] | None = None
        self._t0: float | None = None
        self._last_ms = -1
        self.frames_written = 0

    def write(self, rgb: np.ndarray, t_s: float) -> bool:
        import av

        if self._t0 is None:
            self._t0 = t_s
        ms = int(round((t_s - self._t0) * 1000))
        if ms <= self._last_ms:
            return False
        if self._container is None:
            h, w = rgb.shape[:2]
            self._size = (w - w % 2, h - h % 2)
            self._container = av.open(str(self.path), mode="w",
                                      options={"movflags": "+faststart"})
            # no nominal rate: the codec counts in milliseconds, so variable frame
            # intervals from the camera keep their real timestamps
            self._stream = self._container.add_stream("libx264")
            self._stream.codec_context.time_base = Fraction(1, 1000)
            self._stream.width, self._stream.height = self._size
            self._stream.pix_fmt = "yuv420p"
            self._stream.time_base = Fraction(1, 1000)
            self._stream.options = {"crf": str(self._crf), "preset": self._preset}
        w, h = self._size
        frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(rgb), format="rgb24")
        if (frame.width, frame.height) != (w, h):
            frame = frame.reformat(width=w, height=h)
        frame.pts = ms
        frame.time_base = Fraction(1, 1000)
        for packet in self._stream.encode(frame):
            self._container.mux(packet)
        self._last_ms = ms
        self.frames_written += 1
        return True

    @property
    def duration_s(self) -> float:
        return max(self._last_ms, 0) / 1000.0

    def close(self) -> Path | None:
        """Finish the file; returns its path, or None if no frame was written."""
        if self._container is None:
            return None
        try:
            for packet in self._stream.encode():
                self._container.mux(packet)
        finally:
            self._container.close()
            self._container = None
        return self.path
