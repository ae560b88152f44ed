"""What happened to the webcam: what the frame callback saw (:class:`StreamLog`), each
attempt to start the camera as the page saw it (:class:`CameraRun`), and an attempt that
ended early in words, with the usual fixes. No Streamlit here: the webcam page shows it."""

from __future__ import annotations

import threading
from dataclasses import dataclass, replace

CONNECT_HINT_AFTER_S = 10.0   # still connecting after this long: say what usually helps
NO_PICTURE_HINT_AFTER_S = 5.0  # connected but no frame for this long: say so

CAMERA_FIXES = (
    "Allow the camera: click the camera icon in the browser's address bar, choose "
    "*Allow*, then press **START** again.",
    "Close other programs that use the camera (video calls, another browser tab with this "
    "app): a camera serves one program at a time.",
    "Pick the right camera with **SELECT DEVICE** under the picture.",
    "App opened from another computer: the browser needs HTTPS for the camera, and the "
    "video usually needs a TURN server; give it in PELVIC_SCREEN_ICE_SERVERS "
    "(docs/APP.md, *Serving it to other machines*).",
)


class StreamLog:
    """What the frame callback saw, written from its thread and read by the page."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._frames = 0
        self._last_frame_s: float | None = None
        self._error: str | None = None

    def frame_arrived(self, now_s: float) -> None:
        with self._lock:
            self._frames += 1
            self._last_frame_s = now_s

    def failed(self, exc: Exception) -> None:
        with self._lock:
            self._error = f"{type(exc).__name__}: {exc}"

    def snapshot(self) -> StreamState:
        with self._lock:
            return StreamState(self._frames, self._last_frame_s, self._error)


@dataclass(frozen=True)
class StreamState:
    frames: int                  # frames received from the browser
    last_frame_s: float | None   # time.monotonic() of the last one
    error: str | None            # the last processing error ("Type: message")


@dataclass(frozen=True)
class CameraRun:
    """One attempt to start the camera, as the page saw it (``time.monotonic()`` seconds)."""

    started_s: float                 # first seen connecting (or playing)
    playing_s: float | None = None   # first seen playing: the connection is up
    ended_s: float | None = None     # first seen stopped again


def follow_camera(run: CameraRun | None, *, signalling: bool, playing: bool,
                  now_s: float) -> CameraRun | None:
    """The attempt after one look at the component's state: a new one on START, the time
    it came up, the time it ended; None before the first START."""
    active = signalling or playing
    if active and (run is None or run.ended_s is not None):
        run = CameraRun(started_s=now_s)
    if run is None:
        return None
    if playing and run.playing_s is None:
        run = replace(run, playing_s=now_s)
    if not active and run.ended_s is None:
        run = replace(run, ended_s=now_s)
    return run


def camera_outcome(run: CameraRun, stream: StreamState, recorded_s: float) -> str:
    """What happened to an attempt that ended before the protocol was done."""
    if run.playing_s is None:
        return (f"The camera did not connect ({run.ended_s - run.started_s:.0f} s after "
                "START).")
    if stream.frames == 0:
        return "The connection came up, but no picture arrived from the camera."
    lasted_s = run.ended_s - run.playing_s
    if recorded_s <= 0:
        return (f"The camera stopped after {lasted_s:.0f} s, before the test began. If you "
                "did not press STOP, the connection was lost.")
    return (f"The test was stopped after {recorded_s:.0f} s of recording. If you did not "
            "press STOP, the connection was lost.")
