"""Make test videos from a person clip: rotated with phone metadata, mirrored, darkened,
cropped, side by side, shortened, upscaled; and broken files."""

from __future__ import annotations

import struct
from pathlib import Path

import av
import numpy as np
from fakes import write_video


def read_frames(path: Path, max_frames: int | None = None) -> tuple[list[np.ndarray], float]:
    with av.open(str(path)) as c:
        stream = c.streams.video[0]
        fps = float(stream.average_rate or 30)
        frames = []
        for f in c.decode(stream):
            frames.append(f.to_ndarray(format="rgb24"))
            if max_frames and len(frames) >= max_frames:
                break
    return frames, fps


def transformed(src: Path, dst: Path, fn, max_frames: int | None = None) -> Path:
    frames, fps = read_frames(src, max_frames)
    return write_video(dst, (fn(f) for f in frames), fps=round(fps))


def set_display_rotation(path: Path, clockwise_deg: int) -> None:
    """Patch the mp4 track header matrix as phones do (display rotation metadata)."""
    data = bytearray(path.read_bytes())
    i = data.find(b"tkhd")
    version = data[i + 4]
    offset = i + 8 + (8 + 8 + 4 + 4 + 8 if version == 1 else 4 + 4 + 4 + 4 + 4) + 8 + 8
    one, w = 1 << 16, 1 << 30
    matrices = {90: (0, one, 0, -one, 0, 0, 0, 0, w), 270: (0, -one, 0, one, 0, 0, 0, 0, w),
                180: (-one, 0, 0, 0, -one, 0, 0, 0, w)}
    data[offset:offset + 36] = struct.pack(">9i", *matrices[clockwise_deg])
    path.write_bytes(bytes(data))


def zero_frame_video(path: Path) -> Path:
    out = av.open(str(path), "w")
    stream = out.add_stream("libx264", rate=30)
    stream.width, stream.height, stream.pix_fmt = 64, 64, "yuv420p"
    out.start_encoding()  # writes the header; no frame follows
    out.close()
    return path


def unknown_codec_video(src: Path, dst: Path) -> Path:
    """A copy of ``src`` whose codec tag names no known codec."""
    data = src.read_bytes().replace(b"avc1", b"qqq9").replace(b"avcC", b"qqqC")
    dst.write_bytes(data)
    return dst

