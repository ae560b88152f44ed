"""The one H.264 writer: RGB frames, each with its own timestamp, to an mp4 that browsers
play (libx264, yuv420p, and by default the index at the front of the file, ``movflags
+faststart``, so playback starts before the whole file is loaded; ``faststart=False`` puts
it at the end, as cameras do).

Two clocks:

* ``fps=None`` (the default): timestamps in milliseconds, so uneven frame intervals
  (webcams, phones, a frame-rate cap) keep their real times and no nominal rate is claimed;
* ``fps=N``: a constant rate, timestamps counted in frames of ``1/N`` s (clips made for
  tests, benchmarks and the synthetic sets).

Timestamps are written from ``origin_s``: by default the first frame's own time (it then
starts at 0), or a given origin (e.g. 0.0 to keep a video's own times). A frame whose
timestamp does not move forward on that clock is skipped (``write`` returns False), so the
file's timestamps are strictly increasing.

The output size is ``size_px`` when given, else the first frame's size; rounded down to
even numbers (yuv420p needs them). Frames of another size are scaled to it.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import numpy as np

MILLISECOND = Fraction(1, 1000)
_PIXEL_FORMATS = ("rgb24", "yuv420p")


class H264Writer:
    """``write(rgb, t_s)`` frame by frame, then ``close()``; or use it as a context
    manager (which closes it; after an error it only closes the file, unfinished). No file
    is made until the first frame arrives."""

    def __init__(self, path: str | Path, *, fps: int | None = None, crf: int = 23,
                 preset: str = "medium", size_px: tuple[int, int] | None = None,
                 origin_s: float | None = None, faststart: bool = True) -> None:
        if fps is not None and not (isinstance(fps, int) and fps > 0):
            raise ValueError(f"H264Writer: fps must be a whole number > 0 or None, got {fps!r}")
        if size_px is not None and min(size_px) < 2:
            raise ValueError(f"H264Writer: size_px must be at least 2 x 2, got {size_px!r}")
        self.path = Path(path)
        self.fps = fps
        self.crf, self.preset = crf, preset
        self.time_base = MILLISECOND if fps is None else Fraction(1, fps)
        self._ticks_per_s = 1000 if fps is None else fps
        self.size_px = None if size_px is None else _even(*size_px)
        self.origin_s = origin_s
        self.faststart = faststart
        self._av = None
        self._container = None
        self._stream = None
        self._last_pts = -1
        self.frames_written = 0

    def _open(self, size_px: tuple[int, int]) -> None:
        import av

        if self.size_px is None:
            self.size_px = _even(*size_px)
        container = av.open(str(self.path), mode="w",
                            options={"movflags": "+faststart"} if self.faststart else {})
        try:
            if self.fps is None:
                stream = container.add_stream("libx264")
                stream.codec_context.time_base = self.time_base
                stream.time_base = self.time_base
            else:
                stream = container.add_stream("libx264", rate=self.fps)
            stream.width, stream.height = self.size_px
            stream.pix_fmt = "yuv420p"
            stream.options = {"crf": str(self.crf), "preset": self.preset}
        except BaseException:
            container.close()
            raise
        self._av, self._container, self._stream = av, container, stream

    def write(self, image: np.ndarray, t_s: float, *, pixel_format: str = "rgb24") -> bool:
        """Encode one frame shown at ``t_s`` seconds: RGB ``(H, W, 3)`` uint8, or with
        ``pixel_format="yuv420p"`` the encoder's own YUV 4:2:0 planes ``(H * 3 / 2, W)``
        (BT.601, limited range, e.g. OpenCV's ``COLOR_RGB2YUV_I420``: nothing is converted
        while encoding). False when it was skipped (its timestamp is not after the last one
        written)."""
        if pixel_format not in _PIXEL_FORMATS:
            raise ValueError(f"H264Writer.write: pixel_format must be one of "
                             f"{_PIXEL_FORMATS}, got {pixel_format!r}")
        if self.origin_s is None:
            self.origin_s = float(t_s)
        pts = int(round((t_s - self.origin_s) * self._ticks_per_s))
        if pts <= self._last_pts:
            return False
        if self._container is None:
            height = image.shape[0] if pixel_format == "rgb24" else image.shape[0] * 2 // 3
            self._open((image.shape[1], height))
        frame = self._av.VideoFrame.from_ndarray(np.ascontiguousarray(image),
                                                 format=pixel_format)
        if (frame.width, frame.height) != self.size_px:
            frame = frame.reformat(width=self.size_px[0], height=self.size_px[1])
        frame.pts, frame.time_base = pts, self.time_base
        for packet in self._stream.encode(frame):
            self._container.mux(packet)
        self._last_pts = pts
        self.frames_written += 1
        return True

    @property
    def duration_s(self) -> float:
        """Time from the origin to the last frame written (0 before any frame)."""
        return float(max(self._last_pts, 0) * self.time_base)

    def close(self) -> Path | None:
        """Finish the file; returns its path, or None when no frame was written."""
        if self._container is None:
            return None
        try:
            for packet in self._stream.encode():
                self._container.mux(packet)
        finally:
            self._container.close()
            self._container = None
        return self.path

    def __enter__(self) -> H264Writer:
        return self

    def __exit__(self, exc_type, exc, traceback) -> None:
        if exc_type is None:
            self.close()
        elif self._container is not None:  # leave the error as it is: no flushing
            container, self._container = self._container, None
            try:
                container.close()
            except Exception:
                pass


def _even(width: int, height: int) -> tuple[int, int]:
    return int(width) - int(width) % 2, int(height) - int(height) % 2
