"""Reading videos: probe, then iterate upright RGB frames with container timestamps.

Time is data: each frame's time comes from its presentation timestamp; the frame rate
is measured from those times, never assumed. Rotation metadata (phone videos) is applied
so frames come out upright. Frames larger than ``max_long_side_px`` are downscaled while
decoding (the pose model's input is 256x256, so this costs no accuracy worth having).
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TypeVar

import numpy as np

from . import filekind
from .errors import InputError
from .filekind import IMAGE_EXTENSIONS
from .filekind import VIDEO_EXTENSIONS as VIDEO_EXTENSIONS  # where the readers look for them

_IMAGE_FORMATS = ("image2", "png_pipe", "jpeg_pipe", "bmp_pipe", "tiff_pipe", "webp_pipe",
                  "gif", "gif_pipe", "jpegxl_pipe", "pgm_pipe", "ppm_pipe")


@dataclass(frozen=True)
class VideoInfo:
    path: str
    width_px: int          # upright, before any downscaling
    height_px: int
    rotation_deg: int      # clockwise rotation applied to make frames upright (0/90/180/270)
    fps_nominal: float     # what the container claims; the pipeline measures its own
    duration_s: float
    n_frames_nominal: int  # 0 when the container does not say
    codec: str
    size_bytes: int

    def to_dict(self) -> dict:
        return asdict(self)


def _open(path: Path):
    import av

    try:
        return av.open(str(path))
    except (av.error.FFmpegError, OSError):
        raise filekind.cannot_open(path) from None


def probe(path: str | Path) -> VideoInfo:
    """Check that ``path`` is a readable video and describe it. Raises InputError."""
    path = Path(path)
    if not path.exists():
        raise filekind.missing_file(path)
    if path.is_dir():
        raise filekind.folder_given()
    size = path.stat().st_size
    if size == 0:
        raise filekind.empty_file()
    if path.suffix.lower() in IMAGE_EXTENSIONS:
        raise filekind.still_image(path)
    container = _open(path)
    try:
        if container.format.name in _IMAGE_FORMATS or any(
                n in container.format.name for n in ("_pipe",)):
            raise filekind.still_image(path)
        if not container.streams.video:
            if container.streams.audio:
                raise filekind.sound_only()
            raise filekind.no_tracks(path)
        stream = container.streams.video[0]
        ctx = stream.codec_context
        if ctx is None or not ctx.name:
            raise filekind.unsupported_codec(_container_description(path))
        width, height = ctx.width, ctx.height
        fps = float(stream.average_rate) if stream.average_rate else 0.0
        duration = 0.0
        if stream.duration is not None and stream.time_base is not None:
            duration = float(stream.duration * stream.time_base)
        elif container.duration is not None:
            duration = container.duration / 1_000_000
        n_frames = int(stream.frames or 0)
        first = _first_frame(container, stream, path)
        rotation_ccw = _upright_rotation(first)
        width, height = first.width, first.height
        if rotation_ccw in (90, 270):
            width, height = height, width
        return VideoInfo(str(path), width, height, (360 - rotation_ccw) % 360, fps, duration,
                         n_frames, ctx.name, size)
    finally:
        container.close()


def _first_frame(container, stream, path: Path):
    import av

    try:
        for frame in container.decode(stream):
            return frame
    except av.error.DecoderNotFoundError:
        raise filekind.unsupported_codec(_container_description(path)) from None
    except av.error.FFmpegError:
        raise _undecodable(path) from None
    raise filekind.no_frames()


def _undecodable(path: Path) -> InputError:
    """No frame of ``path`` decodes: count the frames the file holds against the number
    its header declares, to tell a file that ends early from damaged frames."""
    import av

    packets, declared = 0, 0
    try:
        with av.open(str(path)) as container:
            stream = container.streams.video[0]
            declared = int(stream.frames or 0)
            for packet in container.demux(stream):
                packets += packet.size > 0
    except (av.error.FFmpegError, OSError, IndexError):
        pass  # the count so far is what the file holds
    return filekind.undecodable(packets_in_file=packets, frames_declared=declared)


def _container_description(path: Path) -> str:
    kind = filekind.sniff(filekind.read_head(path))
    return kind.description if kind.kind == "video" else ""


def _upright_rotation(frame) -> int:
    """Counter-clockwise rotation (0/90/180/270) that makes this frame upright."""
    rotation = getattr(frame, "rotation", 0) or 0
    return int(round(rotation / 90.0)) % 4 * 90


def scaled_size(width: int, height: int, max_long_side_px: int | None) -> tuple[int, int]:
    """Size after downscaling so the long side is at most ``max_long_side_px`` (even sizes)."""
    scale = 1.0
    if max_long_side_px and max(width, height) > max_long_side_px:
        scale = max_long_side_px / max(width, height)
    w, h = int(round(width * scale)), int(round(height * scale))
    return w - w % 2, h - h % 2


def keep_frame(t_s: float, last_kept_s: float | None, min_interval_s: float, *,
               tolerance_s: float = 1e-3) -> bool:
    """Whether a frame at ``t_s`` is kept under a frame-rate cap of one frame per
    ``min_interval_s`` (0 = every frame), ``tolerance_s`` early allowed: a 30 fps video
    capped at 15 fps keeps every other frame."""
    return last_kept_s is None or min_interval_s <= 0 or \
        t_s - last_kept_s >= min_interval_s - tolerance_s


def iter_frames(path: str | Path, *, max_long_side_px: int | None = None,
                min_interval_s: float = 0.0) -> Iterator[tuple[float, np.ndarray]]:
    """Yield ``(t_s, rgb)`` for every decodable frame, upright, time from the container.

    ``t_s`` starts at 0 for the first frame. ``min_interval_s`` > 0 yields a frame only
    when it comes at least that long after the last one yielded (a quarter of it early is
    allowed, for uneven webcam timestamps); the others are decoded but not converted.
    Stops quietly at a truncated end; raises :class:`InputError` only when no frame at
    all can be decoded.
    """
    for t_s, rgb, _ in _decode(path, max_long_side_px=max_long_side_px, luma=False,
                               min_interval_s=min_interval_s):
        yield t_s, rgb


def iter_frames_with_luma(path: str | Path, *, max_long_side_px: int | None = None,
                          min_interval_s: float = 0.0
                          ) -> Iterator[tuple[float, np.ndarray, np.ndarray]]:
    """Like :func:`iter_frames`, and also the frame's luma (gray, uint8) at full
    resolution, upright: ``(t_s, rgb, gray_full)``. Small details such as printed
    markers are found in the luma while the pose model gets the downscaled RGB."""
    yield from _decode(path, max_long_side_px=max_long_side_px, luma=True,
                       min_interval_s=min_interval_s)


def _decode(path: str | Path, *, max_long_side_px: int | None, luma: bool,
            min_interval_s: float = 0.0
            ) -> Iterator[tuple[float, np.ndarray, np.ndarray | None]]:
    import av
    from av.video.reformatter import VideoReformatter

    path = Path(path)
    container = _open(path)
    # one converter for the whole video: it keeps its scaler set up from frame to frame
    # (a new one per frame costs 1-2 ms of a 5-8 ms conversion at 1080p; same pixels)
    reformatter = VideoReformatter()
    try:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        t0 = None
        last_t = None
        last_kept = None
        n = 0
        rotation = None
        size = None
        try:
            for frame in container.decode(stream):
                if rotation is None:
                    rotation = _upright_rotation(frame)
                    w, h = frame.width, frame.height
                    size = scaled_size(w, h, max_long_side_px)
                if frame.time is not None:
                    t = float(frame.time)
                else:  # no timestamp: continue from the previous one at the nominal rate
                    rate = float(stream.average_rate or 30)
                    t = (last_t + 1.0 / rate) if last_t is not None else 0.0
                if t0 is None:
                    t0 = t
                t -= t0
                if last_t is not None and t <= last_t:
                    continue  # duplicated or out-of-order timestamp: skip the frame
                if not keep_frame(t, last_kept, min_interval_s,
                                  tolerance_s=min_interval_s / 4):
                    last_t = t
                    continue  # under the frame-rate cap: decoded, not converted
                last_kept = t
                rgb = reformatter.reformat(frame, width=size[0], height=size[1],
                                           format="rgb24").to_ndarray()
                gray = _luma(frame) if luma else None
                if rotation:
                    rgb = np.ascontiguousarray(np.rot90(rgb, k=rotation // 90))
                    if gray is not None:
                        gray = np.ascontiguousarray(np.rot90(gray, k=rotation // 90))
                last_t = t
                n += 1
                yield t, rgb, gray
        except av.error.DecoderNotFoundError:
            raise filekind.unsupported_codec(_container_description(path)) from None
        except av.error.FFmpegError:
            if n == 0:
                raise _undecodable(path) from None
            return  # truncated: keep what was decoded
        if n == 0:
            raise filekind.no_frames()
    finally:
        container.close()


_PLANAR_YUV = ("yuv420p", "yuvj420p", "yuv422p", "yuvj422p", "yuv444p", "yuvj444p", "nv12",
               "nv21")


def _luma(frame) -> np.ndarray:
    """Full-resolution luma (uint8) of a decoded frame. For planar YUV (nearly every
    camera video) this is a view of the Y plane, no conversion; otherwise converted."""
    if frame.format.name in _PLANAR_YUV:
        plane = frame.planes[0]
        rows = np.frombuffer(plane, dtype=np.uint8).reshape(frame.height, plane.line_size)
        return rows[:, :frame.width]
    return frame.to_ndarray(format="gray")


T = TypeVar("T")
_DONE = object()


def prefetch(items: Iterator[T], depth: int = 8) -> Iterator[T]:
    """Run ``items`` in a background thread, ``depth`` ahead of the consumer.

    Decoding releases the GIL, so the next frames are decoded while the caller runs pose
    estimation on the current one. An exception in ``items`` is raised in the caller.
    Stopping early (``close()`` or garbage collection) stops the thread.
    """
    buffer: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def produce() -> None:
        try:
            for item in items:
                while not stop.is_set():
                    try:
                        buffer.put(item, timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            buffer.put(_DONE)
        except BaseException as exc:  # handed to the consumer, raised there
            buffer.put(exc)

    worker = threading.Thread(target=produce, name="frame-prefetch", daemon=True)
    worker.start()
    try:
        while True:
            item = buffer.get()
            if item is _DONE:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        while worker.is_alive():  # unblock a producer waiting on a full buffer
            try:
                buffer.get_nowait()
            except queue.Empty:
                worker.join(timeout=0.05)
