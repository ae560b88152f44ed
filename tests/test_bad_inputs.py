"""Files that are not a usable video, no model needed: each gets its own error code and a
message that says what happened and why, naming the file once, with how to fix it, on
every way in (the library call, the command line with summary.csv and result.json, and the
app's upload page)."""

from __future__ import annotations

import csv
import json
import re
from dataclasses import dataclass
from pathlib import Path

import av
import numpy as np
import pytest
from clips import unknown_codec_video, zero_frame_video
from fakes import ReplayBackend, plain_frames, single_leg_series

from screening import analyse_video
from screening.cli import main
from screening.encode import H264Writer
from screening.errors import InputError
from screening.filekind import FileKind, mp4_state, sniff
from screening.video import iter_frames, probe

COPY_AGAIN = "Copy the video again from the camera or phone"


# -- what a file holds, from its bytes ----------------------------------------------------

@pytest.mark.parametrize("head, kind, description", [
    (b"\x00\x00\x00\x20ftypisom\x00\x00\x02\x00", "video", "an MP4/MOV video"),
    (b"\x00\x00\x00\x18ftypqt  \x00\x00\x00\x00", "video", "an MP4/MOV video"),
    (b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00", "image", "a HEIC/HEIF photo"),
    (b"\x00\x00\x00\x18ftypM4A \x00\x00\x00\x00", "document", "an audio file (M4A)"),
    (b"\x1a\x45\xdf\xa3\x01\x00", "video", "a Matroska/WebM video"),
    (b"RIFF\x00\x10\x00\x00AVI LIST", "video", "an AVI video"),
    (b"RIFF\x00\x10\x00\x00WEBPVP8 ", "image", "a WebP image"),
    (b"\xff\xd8\xff\xe0\x00\x10JFIF", "image", "a JPEG image"),
    (b"\x89PNG\r\n\x1a\n\x00\x00", "image", "a PNG image"),
    (b"%PDF-1.7\n", "document", "a PDF document"),
    ("Notes from the session: lift the left foot…\n".encode() * 20, "text", "text"),
    (bytes(range(256)) * 4, "unknown", ""),
])
def test_what_a_file_holds_comes_from_its_first_bytes(head, kind, description):
    found = sniff(head)
    assert (found.kind, found.description) == (kind, description)


def test_text_cut_in_the_middle_of_a_character_is_still_text():
    head = ("é" * 3000).encode()[:4095]  # the sample ends inside a two-byte character
    assert sniff(head) == FileKind("text", "text")


def _box(kind: bytes, payload: bytes = b"", *, size: int | None = None) -> bytes:
    return (size or 8 + len(payload)).to_bytes(4, "big") + kind + payload


FTYP = _box(b"ftyp", b"isom\x00\x00\x02\x00isom")
MOOV = _box(b"moov", _box(b"mvhd", b"\x00" * 100))


@pytest.mark.parametrize("data, state", [
    (FTYP + MOOV + _box(b"mdat", b"\x01" * 50), "complete"),
    (FTYP + _box(b"mdat", b"\x01" * 50) + MOOV, "complete"),           # index at the end
    (FTYP + _box(b"mdat", b"\x01" * 50), "ends_early"),                # index never written
    (FTYP + _box(b"mdat", b"\x01" * 50, size=5000), "ends_early"),     # cut inside the data
    (FTYP + MOOV[:40], "ends_early"),                                  # cut inside the index
    (FTYP + _box(b"moov", b"\xff" * 40), "damaged"),                   # index overwritten
    (FTYP + b"\x00\x00\x00\x03junk" + MOOV, "damaged"),                # impossible box size
])
def test_an_mp4_that_ends_early_is_told_from_a_damaged_one(tmp_path, data, state):
    path = tmp_path / "boxes.mp4"
    path.write_bytes(data)
    assert mp4_state(path) == state


# -- every kind of broken file, through probe ---------------------------------------------

def _clip(path: Path, *, faststart: bool, n: int = 45, fps: int = 15) -> Path:
    with H264Writer(path, fps=fps, faststart=faststart) as writer:
        for i, rgb in enumerate(plain_frames(n)):
            writer.write(rgb, i / fps)
    return path


def _cut(src: Path, dst: Path, fraction: float) -> Path:
    data = src.read_bytes()
    dst.write_bytes(data[:int(len(data) * fraction)])
    return dst


def _text_named_mp4(d: Path) -> Path:
    (d / "notes.mp4").write_text("Session notes: left leg first, then right.\n" * 20)
    return d / "notes.mp4"


def _photo(d: Path, name: str) -> Path:
    import cv2

    ok, jpeg = cv2.imencode(".jpg", np.zeros((20, 20, 3), np.uint8))
    (d / name).write_bytes(jpeg.tobytes())
    return d / name


def _camera_clip_cut(d: Path) -> Path:
    """A camera's layout (the index written last) cut off during the copy."""
    return _cut(_clip(d / "whole.mp4", faststart=False), d / "cut.mp4", 0.6)


def _streaming_clip_cut(d: Path) -> Path:
    """The index at the front, the frames cut off after the first few."""
    return _cut(_clip(d / "whole.mp4", faststart=True), d / "cut.mp4", 0.3)


def _index_overwritten(d: Path) -> Path:
    data = bytearray(_clip(d / "whole.mp4", faststart=False).read_bytes())
    at = data.find(b"moov") + 4
    data[at:at + 200] = b"\xff" * 200
    (d / "overwritten.mp4").write_bytes(bytes(data))
    return d / "overwritten.mp4"


def _frames_overwritten(d: Path) -> Path:
    data = bytearray(_clip(d / "whole.mp4", faststart=False).read_bytes())
    start = data.find(b"mdat") + 4
    end = data.find(b"moov") - 4
    data[start:end] = b"\xff" * (end - start)
    (d / "garbled.mp4").write_bytes(bytes(data))
    return d / "garbled.mp4"


def _sound_only(d: Path) -> Path:
    path = d / "voice.m4a"
    with av.open(str(path), "w") as out:
        stream = out.add_stream("aac", rate=44100)
        frame = av.AudioFrame.from_ndarray(np.zeros((1, 1024), np.float32), format="fltp",
                                           layout="mono")
        frame.sample_rate = 44100
        for packet in [*stream.encode(frame), *stream.encode(None)]:
            out.mux(packet)
    return path


def _empty(d: Path) -> Path:
    (d / "empty.mov").write_bytes(b"")
    return d / "empty.mov"


@dataclass(frozen=True)
class Case:
    make: object          # (folder) -> path
    code: str
    message: tuple[str, ...]  # parts the message must contain
    hint: tuple[str, ...]     # parts the hint must contain


CASES = {
    "text renamed .mp4": Case(
        _text_named_mp4, "not_a_video",
        ("This file holds text, not a video, although its name ends in .mp4",),
        ("Choose the video recording itself", "Renaming a file to .mp4 does not make it a "
         "video")),
    "photo renamed .mp4": Case(
        lambda d: _photo(d, "photo.mp4"), "image_not_video",
        ("This is a photo (a JPEG image), not a video, although its name ends in .mp4",),
        ("Record a video of the whole test", "lift one foot and hold it")),
    "photo": Case(
        lambda d: _photo(d, "photo.jpg"), "image_not_video",
        ("This is a photo (a JPEG image), not a video: a pelvic drop is measured over the "
         "seconds of a single-leg stance",),
        ("Record a video of the whole test",)),
    "camera clip cut off": Case(
        _camera_clip_cut, "damaged_video",
        ("The video file ends early", "the recording, the copy or the upload stopped before "
         "the end"),
        (COPY_AGAIN, "check that it plays to the end")),
    "streaming clip cut off": Case(
        _streaming_clip_cut, "damaged_video",
        ("The video file ends early: only ", " of its 45 frames are in it, and none of them "
         "can be decoded"),
        (COPY_AGAIN,)),
    "index overwritten": Case(
        _index_overwritten, "damaged_video",
        ("The video file is damaged: the part that says where its frames are cannot be "
         "read",), (COPY_AGAIN,)),
    "frames overwritten": Case(
        _frames_overwritten, "damaged_video",
        ("The video file is damaged: none of its frames can be decoded",), (COPY_AGAIN,)),
    "zero frames": Case(
        lambda d: zero_frame_video(d / "zero.mp4"), "no_frames",
        ("The video holds no frames: the recording stopped as soon as it started",),
        ("Record the test again", "check that the recording plays")),
    "unsupported codec": Case(
        lambda d: unknown_codec_video(_clip(d / "whole.mp4", faststart=False), d / "odd.mp4"),
        "unsupported_codec",
        ("This is an MP4/MOV video, but its picture is stored with a codec that this tool "
         "cannot decode",),
        ("Convert it to H.264 MP4", "ffmpeg -i VIDEO -c:v libx264")),
    "sound only": Case(
        _sound_only, "no_video_stream", ("The file holds sound only, no picture",),
        ("Choose the video recording itself",)),
    "empty": Case(
        _empty, "empty_file",
        ("The file is empty (0 bytes): the recording or the copy did not finish",),
        (COPY_AGAIN,)),
    "missing": Case(
        lambda d: d / "missing.mp4", "missing_file",
        ("The file was not found (nothing by that name in ",),
        ("Check the path and the spelling of the file name",)),
}


def _error(path: Path) -> InputError:
    with pytest.raises(InputError) as caught:
        probe(path)
    return caught.value


@pytest.mark.parametrize("name", CASES)
def test_each_broken_file_says_what_happened_why_and_how_to_fix_it(tmp_path, name):
    case = CASES[name]
    path = case.make(tmp_path)
    error = _error(path)
    assert error.code == case.code, error.to_dict()
    for part in case.message:
        assert part in error.message, (part, error.message)
    for part in case.hint:
        assert part in error.hint, (part, error.hint)
    # every place that shows the message names the file already
    assert path.name not in error.message + error.hint


def test_a_folder_is_not_a_video(tmp_path):
    error = _error(tmp_path)
    assert (error.code, error.message) == ("not_a_video", "This is a folder, not a video file.")
    assert "pass the folder to `pelvic-screen analyze`" in error.hint


def test_frames_that_stop_early_are_kept_and_the_result_says_the_rest_is_missing(tmp_path):
    """An index at the front and the frames cut off half-way: the first half is analysed,
    and the result warns that the video ends early."""
    _, frames = single_leg_series(duration_s=8.0)
    clip = tmp_path / "whole.mp4"
    with H264Writer(clip, fps=30, faststart=True) as writer:
        for i, rgb in enumerate(plain_frames(240)):
            writer.write(rgb, i / 30)
    cut = _cut(clip, tmp_path / "cut.mp4", 0.5)
    decoded = [t for t, _ in iter_frames(cut)]
    assert 0 < decoded[-1] < 6.5
    result = analyse_video(cut, backend=ReplayBackend(frames))
    stop_s = result.landmarks.t_s[-1]
    assert any(w.startswith(f"The video ends early or is damaged: its frames stop at "
                            f"{stop_s:.1f} s of the 8.0 s it declares")
               for w in result.to_result().warnings), result.to_result().warnings
    whole = analyse_video(clip, backend=ReplayBackend(frames))
    assert not any("ends early" in w for w in whole.to_result().warnings)


# -- the command line, summary.csv and result.json -----------------------------------------

def test_the_command_line_names_each_broken_file_once_with_the_fix(tmp_path, capsys):
    inputs = tmp_path / "in"
    inputs.mkdir()
    made = {name: CASES[name].make(inputs) for name in
            ("text renamed .mp4", "photo renamed .mp4", "camera clip cut off", "zero frames")}
    fake_model = tmp_path / "model.task"   # never loaded: no input gets that far
    fake_model.write_bytes(b"model")
    out = tmp_path / "out"
    code = main(["analyze", *map(str, made.values()), "--out", str(out), "--no-video",
                 "--model", str(fake_model)])
    assert code == 1
    stderr = capsys.readouterr().err
    with (out / "summary.csv").open() as f:
        rows = {Path(r["input"]).name: r for r in csv.DictReader(f)}
    for name, path in made.items():
        case = CASES[name]
        lines = [line for line in stderr.splitlines() if line.startswith(f"FAILED {path.name}:")]
        assert len(lines) == 1, stderr
        line = lines[0]
        assert line.count(path.name) == 1, line
        assert re.search(re.escape(case.message[0]) + r".*Hint: " + re.escape(case.hint[0]),
                         line), line
        row = rows[path.name]
        assert (row["status"], row["error_code"]) == ("error", case.code)
        assert case.message[0] in row["error_message"] and case.hint[0] in row["error_hint"]
        doc = json.loads((out / path.stem / "result.json").read_text())
        assert doc["error"] == {"code": case.code, "message": row["error_message"],
                                "hint": row["error_hint"]}


# -- the app's upload page -----------------------------------------------------------------

def test_the_app_shows_a_cut_off_video_as_such_with_the_fix(tmp_path, monkeypatch):
    pytest.importorskip("streamlit")
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("PELVIC_SCREEN_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("PELVIC_SCREEN_DATABASE_URL", raising=False)
    cut = _camera_clip_cut(tmp_path)
    at = AppTest.from_file(str(Path(__file__).resolve().parents[1] / "app.py"),
                           default_timeout=180)
    at.query_params["page"] = "upload"
    at.run()
    at.file_uploader(key="upload_file").set_value(("garden test.mp4", cut.read_bytes(),
                                                   "video/mp4"))
    at.run()
    assert not at.exception, at.exception
    shown = " ".join(e.value for e in at.error)
    assert "garden_test.mp4" in shown and shown.count("garden_test") == 1, shown
    assert "The video file ends early" in shown
    assert any(COPY_AGAIN in i.value for i in at.info)
