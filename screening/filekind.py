"""What a file is, by its name and by its contents, and why it cannot be analysed as a
video, in words a user can act on.

When the decoder refuses a file, its error ("Invalid data found") says nothing a user can
fix. This module looks at what the file really holds and builds the :class:`InputError`
that says what happened, why, and how to fix it:

* what the file's first bytes are (:func:`sniff`): a video container (MP4/MOV, Matroska,
  AVI, ...), a photo (JPEG, PNG, HEIC, ...), text, another kind of document, or nothing
  known; a file's name says nothing of what it holds (a photo renamed ``.mp4``);
* whether an MP4/MOV file ends early (:func:`mp4_state`): its boxes are read from the top
  of the file, a box that runs past the end, or a missing ``moov`` box (the index, which
  cameras write last), means that the recording, the copy or the upload stopped early.

Messages never name the file: every place that shows them (the command line's ``FAILED
name:``, the app, ``summary.csv``, ``result.json``) names it already.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from .errors import InputError

VIDEO_EXTENSIONS = (".mp4", ".mov", ".m4v", ".avi", ".mkv", ".webm", ".mpg", ".mpeg", ".wmv",
                    ".3gp", ".y4m", ".ts", ".mts")
IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".bmp", ".gif", ".tif", ".tiff", ".webp", ".heic")
SNIFF_BYTES = 4096

Kind = Literal["video", "image", "text", "document", "unknown"]
Mp4State = Literal["complete", "ends_early", "damaged"]

FIX_COPY = ("Copy the video again from the camera or phone (let the copy or upload finish), "
            "or export it again from the app that made it; check that it plays to the end in "
            "a video player before you analyse it.")
FIX_RECORD = ("Record a video of the whole test: stand on both legs, lift one foot and hold "
              "it for a few seconds, then put it down.")
FIX_CHOOSE_VIDEO = ("Choose the video recording itself (e.g. the .mp4 or .mov file from the "
                    "camera or phone).")
FIX_CODEC = ("Convert it to H.264 MP4: most phones and video editors can export it, or "
             "`ffmpeg -i VIDEO -c:v libx264 -pix_fmt yuv420p video.mp4`.")


@dataclass(frozen=True)
class FileKind:
    """What a file holds, from its first bytes.

    ``kind``: ``"video"`` (a video container), ``"image"``, ``"text"``, ``"document"`` (a
    known format that is not a video) or ``"unknown"``. ``description`` is for people, e.g.
    "a JPEG image"; empty when unknown. ``mp4_boxes``: the file is made of MP4/QuickTime
    boxes, which :func:`mp4_state` reads.
    """

    kind: Kind
    description: str = ""
    mp4_boxes: bool = False


_HEIF_BRANDS = (b"heic", b"heix", b"heim", b"heis", b"mif1", b"avif")  # still images
_AUDIO_BRANDS = (b"M4A ", b"M4B ", b"M4P ")


def sniff(head: bytes) -> FileKind:
    """What a file holds, from its first bytes (a few KB are plenty)."""
    if len(head) >= 12 and head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in _HEIF_BRANDS:
            return FileKind("image", "a HEIC/HEIF photo")
        if brand in _AUDIO_BRANDS:
            return FileKind("document", "an audio file (M4A)")
        return FileKind("video", "an MP4/MOV video", mp4_boxes=True)
    if len(head) >= 8 and head[4:8] in (b"moov", b"mdat", b"wide", b"free", b"skip"):
        return FileKind("video", "a QuickTime/MP4 video", mp4_boxes=True)
    for magic, kind, description in _SIGNATURES:
        if head.startswith(magic):
            return FileKind(kind, description)
    if head[:4] == b"RIFF" and len(head) >= 12:
        return {b"AVI ": FileKind("video", "an AVI video"),
                b"WEBP": FileKind("image", "a WebP image"),
                b"WAVE": FileKind("document", "a sound recording (WAV)"),
                }.get(head[8:12], FileKind("unknown"))
    if len(head) > 376 and head[0] == head[188] == head[376] == 0x47:
        return FileKind("video", "an MPEG transport stream video")
    if _looks_like_text(head):
        return FileKind("text", "text")
    return FileKind("unknown")


_SIGNATURES: tuple[tuple[bytes, Kind, str], ...] = (
    (b"\x1a\x45\xdf\xa3", "video", "a Matroska/WebM video"),
    (b"\x30\x26\xb2\x75\x8e\x66\xcf\x11", "video", "a Windows Media video"),
    (b"\x00\x00\x01\xba", "video", "an MPEG video"),
    (b"\x00\x00\x01\xb3", "video", "an MPEG video"),
    (b"FLV\x01", "video", "a Flash video"),
    (b"YUV4MPEG2", "video", "a raw YUV video"),
    (b"\xff\xd8\xff", "image", "a JPEG image"),
    (b"\x89PNG\r\n\x1a\n", "image", "a PNG image"),
    (b"GIF87a", "image", "a GIF image"),
    (b"GIF89a", "image", "a GIF image"),
    (b"II*\x00", "image", "a TIFF image"),
    (b"MM\x00*", "image", "a TIFF image"),
    (b"BM", "image", "a BMP image"),
    (b"%PDF", "document", "a PDF document"),
    (b"PK\x03\x04", "document", "a ZIP archive (or an office document)"),
    (b"ID3", "document", "a sound recording (MP3)"),
    (b"fLaC", "document", "a sound recording (FLAC)"),
    (b"OggS", "video", "an Ogg media file"),
)


def _looks_like_text(head: bytes) -> bool:
    if not head or b"\x00" in head:
        return False
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 4:  # not only a character cut at the end of the sample
            return False
        text = head[:exc.start].decode("utf-8")
    printable = sum(c.isprintable() or c in "\t\r\n" for c in text)
    return printable >= 0.95 * len(text)


def read_head(path: Path, n_bytes: int = SNIFF_BYTES) -> bytes:
    try:
        with open(path, "rb") as f:
            return f.read(n_bytes)
    except OSError:
        return b""


def mp4_state(path: Path) -> Mp4State:
    """``"complete"``, ``"ends_early"`` or ``"damaged"``: the top-level boxes of an MP4/MOV
    file, read from its start (only their 8-16 byte headers are read).

    It ends early when a box runs past the end of the file or when no ``moov`` box (the
    index of the frames, which cameras write last) is there; it is damaged when a box
    header is impossible (a size below its own header) or when the ``moov`` box does not
    start with a box of its own (its contents were overwritten).
    """
    size = path.stat().st_size
    seen_moov = False
    with open(path, "rb") as f:
        pos = 0
        while pos + 8 <= size:
            f.seek(pos)
            header = f.read(16)
            box_size = int.from_bytes(header[:4], "big")
            header_size = 8
            if box_size == 1:  # a 64-bit size follows the type
                if len(header) < 16:
                    return "ends_early"
                box_size = int.from_bytes(header[8:16], "big")
                header_size = 16
            elif box_size == 0:  # the last box: to the end of the file
                box_size = size - pos
            if box_size < header_size:
                return "damaged"
            if pos + box_size > size:
                return "ends_early"
            if header[4:8] == b"moov":
                seen_moov = True
                f.seek(pos + header_size)
                if not _is_box(f.read(8), box_size - header_size):
                    return "damaged"
            pos += box_size
    if pos != size:
        return "ends_early"
    return "complete" if seen_moov else "ends_early"


def _is_box(header: bytes, room: int) -> bool:
    """A plausible box header: a size that fits in ``room`` and a type of four letters or
    digits (e.g. ``mvhd``, ``trak``)."""
    if len(header) < 8:
        return False
    size = int.from_bytes(header[:4], "big")
    return 8 <= size <= room and all(chr(c).isalnum() for c in header[4:8])


# -- the errors -------------------------------------------------------------------------

def missing_file(path: Path) -> InputError:
    folder = path.parent.absolute()
    where = (f"the folder {folder} does not exist either" if not folder.is_dir()
             else f"nothing by that name in {folder}")
    return InputError(f"The file was not found ({where}).",
                      "Check the path and the spelling of the file name.",
                      code="missing_file")


def folder_given() -> InputError:
    return InputError("This is a folder, not a video file.",
                      "Give a video file, or pass the folder to `pelvic-screen analyze` to "
                      "analyse every video in it.", code="not_a_video")


def empty_file() -> InputError:
    return InputError("The file is empty (0 bytes): the recording or the copy did not finish.",
                      FIX_COPY, code="empty_file")


def still_image(path: Path) -> InputError:
    kind = sniff(read_head(path))
    what = f"a photo ({kind.description})" if kind.kind == "image" else "a photo"
    return InputError(f"This is {what}, not a video{_despite_name(path)}: a pelvic drop is "
                      "measured over the seconds of a single-leg stance.",
                      FIX_RECORD, code="image_not_video")


def cannot_open(path: Path) -> InputError:
    """The decoder could not open ``path``: say what it holds instead, or how the video is
    broken."""
    kind = sniff(read_head(path))
    if kind.kind == "image":
        return still_image(path)
    if kind.kind == "video":
        if kind.mp4_boxes and mp4_state(path) == "ends_early":
            return InputError(
                "The video file ends early: the recording, the copy or the upload stopped "
                "before the end, so the part that says where the frames are is missing.",
                FIX_COPY, code="damaged_video")
        return InputError(f"The video file is damaged: it starts as {kind.description}, but "
                          "its contents cannot be read.", FIX_COPY, code="damaged_video")
    if kind.kind in ("text", "document"):
        return InputError(f"This file holds {kind.description}, not a video"
                          f"{_despite_name(path)}.",
                          FIX_CHOOSE_VIDEO + _renaming(path), code="not_a_video")
    return InputError(f"This file is not a video: its contents match no video format"
                      f"{_despite_name(path)}.",
                      FIX_CHOOSE_VIDEO + _renaming(path) + " If it is a video that played "
                      "before, it is damaged: copy it again from the camera or phone.",
                      code="not_a_video")


def no_frames() -> InputError:
    return InputError("The video holds no frames: the recording stopped as soon as it started, "
                      "or the camera sent no picture.",
                      "Record the test again, and check that the recording plays before you "
                      "analyse it.", code="no_frames")


def no_tracks(path: Path) -> InputError:
    """The file opened as a video but lists no track at all: an empty recording, or an
    index that was overwritten."""
    kind = sniff(read_head(path))
    if kind.mp4_boxes and mp4_state(path) == "damaged":
        return InputError("The video file is damaged: the part that says where its frames are "
                          "cannot be read.", FIX_COPY, code="damaged_video")
    return no_frames()


def sound_only() -> InputError:
    return InputError("The file holds sound only, no picture.",
                      FIX_CHOOSE_VIDEO + " If the camera recorded sound only, record the "
                      "test again as a video.", code="no_video_stream")


def unsupported_codec(container_description: str = "") -> InputError:
    what = (f"This is {container_description}, but its picture" if container_description
            else "The video's picture")
    return InputError(f"{what} is stored with a codec that this tool cannot decode.",
                      FIX_CODEC, code="unsupported_codec")


def undecodable(*, packets_in_file: int, frames_declared: int) -> InputError:
    """The video opened, but not one frame of it decodes."""
    if 0 < frames_declared and packets_in_file < frames_declared:
        return InputError(f"The video file ends early: only {packets_in_file} of its "
                          f"{frames_declared} frames are in it, and none of them can be "
                          "decoded.", FIX_COPY, code="damaged_video")
    return InputError("The video file is damaged: none of its frames can be decoded.",
                      FIX_COPY, code="damaged_video")


def _despite_name(path: Path) -> str:
    suffix = path.suffix.lower()
    return f", although its name ends in {suffix}" if suffix in VIDEO_EXTENSIONS else ""


def _renaming(path: Path) -> str:
    return " Renaming a file to .mp4 does not make it a video." \
        if _despite_name(path) else ""
